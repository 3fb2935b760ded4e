import { performance } from 'node:perf_hooks'
import * as hdr from 'hdr-histogram-js'
import type { SimRequest } from './requests.js'
import { syncCount } from './sync-count.js'

/** One storage design of the ack path, as the bench drives it. */
export interface AckStore {
  /**
   * What the admission stage writes before the 200: the request's nonce keys, its job and its
   * audit record. Resolves once they are on disk; the design then delivers the job itself
   * (a no-op handler), settles it and records the delivery, as the gateway's consumer does.
   */
  accept(request: SimRequest): Promise<'accepted' | 'duplicate'>
  /** Jobs delivered and settled so far. */
  delivered(): number
  close(): Promise<void>
}

export interface DesignResult {
  readonly acceptedPerSecond: number
  readonly deliveredPerSecond: number
  /** Process CPU (user + system, every thread) per accepted request. */
  readonly cpuMicrosPerRequest: number
  /** The event loop's busy time per accepted request. */
  readonly mainThreadMicrosPerRequest: number
  /** From submission to durable, milliseconds. */
  readonly p99Ms: number
  readonly syncsPerSecond: number
  readonly duplicates: number
}

/**
 * `concurrency` loops, each submitting a request as soon as its previous one is durable
 * (closed loop), for a warm-up second and then `seconds` measured. A duplicate answer is a
 * fault of the design under test (every request is distinct) and fails the run.
 */
export async function drive(store: AckStore, next: () => SimRequest, seconds: number, concurrency: number): Promise<DesignResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 })
  let measuring = false
  let stopAt = Number.POSITIVE_INFINITY
  let accepted = 0
  let duplicates = 0
  const loop = async () => {
    while (performance.now() < stopAt) {
      const started = performance.now()
      const verdict = await store.accept(next())
      if (!measuring) continue
      if (verdict === 'duplicate') duplicates++
      accepted++
      histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)))
    }
  }
  const warmUntil = performance.now() + 1000
  stopAt = warmUntil + seconds * 1000
  const loops = Array.from({ length: concurrency }, loop)
  await new Promise((resolve) => setTimeout(resolve, warmUntil - performance.now()))
  measuring = true
  const cpu0 = process.cpuUsage()
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  const delivered0 = store.delivered()
  const syncs0 = syncCount()
  await Promise.all(loops)
  const elapsed = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const elu = performance.eventLoopUtilization(elu0)
  const result: DesignResult = {
    acceptedPerSecond: accepted / elapsed,
    deliveredPerSecond: (store.delivered() - delivered0) / elapsed,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / accepted,
    mainThreadMicrosPerRequest: (elu.active * 1000) / accepted,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    syncsPerSecond: (syncCount() - syncs0) / elapsed,
    duplicates,
  }
  if (duplicates > 0) throw new Error(`${duplicates} distinct requests were answered as duplicates`)
  return result
}

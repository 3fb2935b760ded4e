// The load generator, run in its own process (pinned to its own core by bench/lib/load.ts).
// Reads its job as JSON from argv[2], prints one JSON result line.
//
// Two engines: undici's dispatcher (the default) and autocannon. Both sign every request
// anew (distinct trigger_ids); measured on one core, autocannon's per-request rebuild caps
// it near 21k signed requests/s, below what the bare node:http baseline serves, which would
// flatter every ratio. `npm run bench` measures both engines' ceilings in each run.
// Without `rate` each connection sends as soon as its previous request is answered (closed
// loop, saturation); with it, undici sends on a fixed schedule (open loop, see openLoop).
import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'
import { Client, type Dispatcher } from 'undici'
import { PrefixSigner } from './prefix-signer.js'
import { commandCpuSeconds, processCpuSeconds } from './proc-cpu.js'
import { scrapeQueue, type QueueSnapshot } from './queue-metrics.js'
import { BENCH_SECRET, commandBodyPrefix, triggerId } from './slash-command.js'

export interface LoadJob {
  readonly url: string
  readonly path: string
  readonly connections: number
  readonly durationSeconds: number
  readonly bodyBytes: number
  readonly command: string
  /** Makes trigger ids unique across runs against the same store. */
  readonly runId: string
  readonly engine?: 'undici' | 'autocannon'
  /** Offered load in requests/s over all connections (undici only); absent: as fast as answered. */
  readonly rate?: number
  /** Scrape the gateway's `GET /metrics` right before and right after the window. */
  readonly scrapeQueue?: boolean
  /** Processes whose CPU time to read right before and right after the window, by name. */
  readonly cpu?: Readonly<Record<string, CpuSource>>
}

/** One process by pid, or every process with that command name (such as `postgres`). */
export type CpuSource = { readonly pid: number } | { readonly command: string }

export interface LoadResult {
  /** Answered requests, whatever their status. */
  readonly requests: number
  /** Answered with a 2xx: what the server acked. */
  readonly acked: number
  /** Length of the window in seconds, from the first send to the last answer. */
  readonly seconds: number
  readonly rps: number
  /** Latencies in milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly non2xx: number
  readonly errors: number
  /** 503 answers by their `error` code (undici only). */
  readonly unavailable: Readonly<Record<string, number>>
  readonly queueBefore?: QueueSnapshot
  readonly queueAfter?: QueueSnapshot
  /** CPU seconds each of `job.cpu` used during the window. */
  readonly cpuSeconds?: Readonly<Record<string, number>>
}

const job = JSON.parse(process.argv[2] as string) as LoadJob
const timestamp = Math.floor(Date.now() / 1000)
const prefix = commandBodyPrefix(job.bodyBytes, job.command)
const signer = new PrefixSigner(BENCH_SECRET, timestamp, prefix)
let sent = 0

function nextRequest(): { body: string; signature: string } {
  const suffix = triggerId(job.runId, sent++)
  return { body: prefix + suffix, signature: signer.sign(suffix) }
}

async function withUndici(): Promise<LoadResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 })
  const url = new URL(job.url)
  let completed = 0
  let non2xx = 0
  let errors = 0
  const unavailable: Record<string, number> = {}
  const startedAt = performance.now()
  const deadline = startedAt + job.durationSeconds * 1000

  /** Sends one request; `since` is when its latency starts, `then` runs once it is answered. */
  function dispatch(client: Client, since: number, then: () => void): void {
    const { body, signature } = nextRequest()
    let status = 0
    let refusal = ''
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(code) {
        status = code
        if (status < 200 || status > 299) non2xx++
        return true
      },
      onData(chunk) {
        // Only refusals are read: a 503 body names its reason.
        if (status === 503) refusal += chunk.toString()
        return true
      },
      onComplete() {
        histogram.recordValue(Math.round((performance.now() - since) * 1000))
        completed++
        if (status === 503) {
          const reason = reasonOf(refusal)
          unavailable[reason] = (unavailable[reason] ?? 0) + 1
        }
        then()
      },
      onError() {
        errors++
        then()
      },
    }
    client.dispatch(
      {
        method: 'POST',
        path: job.path,
        headers: ['content-type', 'application/x-www-form-urlencoded', 'x-slack-request-timestamp', String(timestamp), 'x-slack-signature', signature],
        body,
      },
      handler,
    )
  }

  /** Closed loop: the next request leaves once the previous one is answered. */
  function closedLoop(): Promise<void> {
    const client = new Client(url.origin, { pipelining: 1 })
    return new Promise((resolve) => {
      const send = (): void => {
        if (performance.now() >= deadline) {
          void client.close().then(resolve)
          return
        }
        dispatch(client, performance.now(), send)
      }
      send()
    })
  }

  // Open loop: connection i sends request k at startedAt + (i + k·connections) / rate,
  // whether or not the previous one was answered (undici queues it behind the busy
  // connection). Latency is measured from that scheduled time, not from when the request
  // left, so time spent waiting for a slow server shows up in it instead of being hidden by
  // a sender that slows down with the server (coordinated omission).
  function openLoop(index: number, rate: number): Promise<void> {
    const client = new Client(url.origin, { pipelining: 1 })
    return new Promise((resolve) => {
      let k = 0
      const tick = (): void => {
        for (;;) {
          const scheduled = startedAt + ((index + k * job.connections) * 1000) / rate
          if (scheduled >= deadline) {
            // close() resolves once every queued request has been answered.
            void client.close().then(resolve)
            return
          }
          const now = performance.now()
          if (scheduled > now) {
            setTimeout(tick, scheduled - now)
            return
          }
          k++
          dispatch(client, scheduled, () => {})
        }
      }
      tick()
    })
  }

  const rate = job.rate
  await Promise.all(Array.from({ length: job.connections }, (_, i) => (rate === undefined ? closedLoop() : openLoop(i, rate))))
  const seconds = (performance.now() - startedAt) / 1000
  return {
    requests: completed,
    acked: completed - non2xx,
    seconds,
    rps: Math.round(completed / seconds),
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
    non2xx,
    errors,
    unavailable,
  }
}

function reasonOf(body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error
    return typeof error === 'string' ? error : 'unknown'
  } catch {
    return 'unknown'
  }
}

async function withAutocannon(): Promise<LoadResult> {
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    requests: [
      {
        method: 'POST',
        path: job.path,
        setupRequest: (req) => {
          const { body, signature } = nextRequest()
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': String(timestamp),
              'x-slack-signature': signature,
            },
          }
        },
      },
    ],
  })
  return {
    requests: result.requests.total,
    acked: result['2xx'],
    seconds: result.duration,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    unavailable: {},
  }
}

if (job.rate !== undefined && job.engine === 'autocannon') throw new Error('an offered rate needs the undici engine')
const origin = new URL(job.url).origin
const readCpu = (): Record<string, number> =>
  Object.fromEntries(Object.entries(job.cpu ?? {}).map(([name, source]) => [name, 'pid' in source ? processCpuSeconds(source.pid) : commandCpuSeconds(source.command)]))
const queueBefore = job.scrapeQueue === true ? await scrapeQueue(origin) : undefined
const cpuBefore = readCpu()
const measured = job.engine === 'autocannon' ? await withAutocannon() : await withUndici()
const cpuAfter = readCpu()
const queueAfter = job.scrapeQueue === true ? await scrapeQueue(origin) : undefined
const cpuSeconds = Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, (cpuAfter[name] ?? 0) - (cpuBefore[name] ?? 0)]))
const out: LoadResult = {
  ...measured,
  ...(queueBefore !== undefined && { queueBefore }),
  ...(queueAfter !== undefined && { queueAfter }),
  ...(job.cpu !== undefined && { cpuSeconds }),
}
process.stdout.write(`${JSON.stringify(out)}\n`)

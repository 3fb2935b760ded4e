/** The delivery and queue figures of one `GET /metrics` scrape of a slackgate gateway. */
export interface QueueSnapshot {
  /** When the scrape was answered, in epoch milliseconds (comparable across processes). */
  readonly at: number
  /** `slackgate_delivery_attempts_total{outcome="delivered"}`, summed over routes. */
  readonly delivered: number
  /** `slackgate_queue_jobs` by state; 0 where the gauge is absent. */
  readonly queued: number
  readonly active: number
  readonly dead: number
  /** `slackgate_queue_counts_up`: whether the queue answered its counts at this scrape. */
  readonly countsUp: boolean
}

/**
 * Reads the delivered count and the queue depth from the Prometheus text a gateway serves.
 *
 * @example
 * parseQueueMetrics('slackgate_queue_jobs{state="queued"} 3\n', Date.now()).queued // 3
 */
export function parseQueueMetrics(text: string, at: number): QueueSnapshot {
  let delivered = 0
  let countsUp = false
  const jobs = { queued: 0, active: 0, dead: 0 }
  for (const line of text.split('\n')) {
    if (line.startsWith('slackgate_queue_counts_up ')) countsUp = line.endsWith(' 1')
    const match = /^(slackgate_delivery_attempts_total|slackgate_queue_jobs)\{([^}]*)\} (\S+)$/.exec(line)
    if (match === null) continue
    const [, name, labels, value] = match as unknown as [string, string, string, string]
    if (name === 'slackgate_delivery_attempts_total') {
      if (labels.includes('outcome="delivered"')) delivered += Number(value)
      continue
    }
    const state = /state="(\w+)"/.exec(labels)?.[1]
    if (state === 'queued' || state === 'active' || state === 'dead') jobs[state] = Number(value)
  }
  return { at, delivered, ...jobs, countsUp }
}

/**
 * Scrapes `origin`'s `/metrics` (the gateway serves it on its own port).
 *
 * @example
 * const before = await scrapeQueue('http://127.0.0.1:3000')
 */
export async function scrapeQueue(origin: string): Promise<QueueSnapshot> {
  const response = await fetch(`${origin}/metrics`)
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`)
  const text = await response.text()
  return parseQueueMetrics(text, Date.now())
}

/** Jobs accepted and not yet settled: waiting or in delivery. */
export const backlog = (s: QueueSnapshot): number => s.queued + s.active

/**
 * Polls `origin` every 200 ms until the queue reports an empty backlog and returns when that
 * was seen, in epoch milliseconds, or undefined if it was not within `limitMs`.
 *
 * @example
 * const drainedAt = await awaitDrained('http://127.0.0.1:3000', 60_000)
 */
export async function awaitDrained(origin: string, limitMs: number): Promise<number | undefined> {
  const deadline = Date.now() + limitMs
  for (;;) {
    const snapshot = await scrapeQueue(origin)
    if (snapshot.countsUp && backlog(snapshot) === 0) return snapshot.at
    if (snapshot.at >= deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

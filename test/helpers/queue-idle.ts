import type { FastifyInstance } from 'fastify'
import type { JobState } from '../../src/dispatch/job.js'

export type QueueCounts = Record<JobState, number>

/** Outcome (`delivered`, `retrying`, `dead`) → delivery attempts, summed over routes. */
export type DeliveryAttempts = Partial<Record<'delivered' | 'retrying' | 'dead', number>>

/**
 * Resolves, with the counts, once the queue holds no job that is waiting, waiting out a
 * retry's back-off, or being delivered: every delivery the queue will ever make of the work
 * accepted so far has been made. (Dead letters are settled: nothing delivers them again.)
 * This is what an "exactly once" check waits for before counting, never a fixed time: a
 * second delivery after a back-off keeps the queue busy until it has happened.
 *
 * Both queue adapters count a job waiting out a back-off (SQLite `run_at` in the future,
 * BullMQ `delayed`) as queued, and a job from a crashed consumer as active until it has been
 * delivered again.
 */
export async function waitForQueueIdle(counts: () => Promise<QueueCounts>, timeoutMs = 15_000): Promise<QueueCounts> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const c = await counts()
    if (c.queued === 0 && c.active === 0) return c
    if (Date.now() > deadline) throw new Error(`queue still busy after ${timeoutMs} ms: ${JSON.stringify(c)}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The queue gauges of a Prometheus text scrape (`slackgate_queue_jobs{state=…}`). */
export function queueCountsOf(metricsText: string): QueueCounts {
  const counts: QueueCounts = { queued: Number.NaN, active: Number.NaN, dead: Number.NaN }
  for (const [, state, value] of metricsText.matchAll(/^slackgate_queue_jobs\{state="(queued|active|dead)"\} (\S+)$/gm)) {
    counts[state as JobState] = Number(value)
  }
  // No gauge at all means the queue did not answer the scrape: not idle, whatever it holds.
  if (Object.values(counts).some(Number.isNaN)) return { queued: Number.POSITIVE_INFINITY, active: 0, dead: 0 }
  return counts
}

/** `slackgate_delivery_attempts_total` of a scrape, by outcome, summed over routes. */
export function deliveryAttemptsOf(metricsText: string): DeliveryAttempts {
  const attempts: DeliveryAttempts = {}
  for (const [, labels, value] of metricsText.matchAll(/^slackgate_delivery_attempts_total\{(.*)\} (\S+)$/gm)) {
    const outcome = /outcome="(delivered|retrying|dead)"/.exec(labels ?? '')?.[1] as keyof DeliveryAttempts | undefined
    if (outcome !== undefined) attempts[outcome] = (attempts[outcome] ?? 0) + Number(value)
  }
  return attempts
}

/** Scrapes a running gateway's `/metrics` over HTTP (a child process). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`)
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`)
  return res.text()
}

/** Scrapes an in-process gateway's `/metrics` through Fastify's inject. */
export async function injectMetrics(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  return res.body
}

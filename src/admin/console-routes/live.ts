import type { FastifyInstance } from 'fastify'
import { checkReadiness, type ReadinessCheck } from '../../http/readiness.js'
import { liveSnapshot, renderLive, type LiveCounters } from '../console/pages/live.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { sendConsolePage, sessionOf, type ConsoleContext } from './context.js'

/**
 * The shortest interval a rate is measured over: two viewers polling a few ms apart would
 * otherwise divide a handful of requests by almost nothing.
 */
const MIN_WINDOW_MS = 1000
/** Scrapes kept to measure from; a viewer polling faster than every 2 s cannot grow it past this. */
const MAX_KEPT = 32
/** A scrape older than this is dropped once a newer one exists. */
const KEEP_MS = 30_000
/**
 * A sample of the console's own requests: on the main server they are counted with Slack's,
 * and the page's own polls would be most of what it shows.
 */
const CONSOLE_SAMPLE = /[{,]endpoint="\/admin[/"]/

/** What the Live page reads beyond the console's context. */
export interface LiveSources {
  /** The text `GET /metrics` serves, from the gateway's own registry. */
  readonly metrics: () => Promise<string>
  /** The checks `/readyz` runs, and its timeout for each. */
  readonly readiness: readonly ReadinessCheck[]
  readonly readinessTimeoutMs: number
}

/**
 * The Live page and the snapshot its script polls every 2 s. Rates come from two scrapes of
 * the gateway's own metrics registry (what `/metrics` serves): this one and the newest kept
 * scrape at least MIN_WINDOW_MS older, kept per process so any number of viewers share them;
 * the console's own requests are left out.
 * Readiness runs the same checks, with the same timeout, as `/readyz`. Read-only.
 *
 * @example
 * liveRoutes(instance, ctx, { metrics: () => metrics.render(), readiness, readinessTimeoutMs: 2000 }) // GET /admin/live, /admin/live.json
 */
export function liveRoutes(app: FastifyInstance, ctx: ConsoleContext, sources: LiveSources): void {
  const kept: LiveCounters[] = []
  const baseline = (at: number): LiveCounters | undefined => kept.findLast((c) => at - c.at >= MIN_WINDOW_MS)

  app.get('/live', async (request, reply) => {
    const body = renderLive({ stores: sources.readiness.map((c) => c.name) })
    return sendConsolePage(reply, sessionOf(request), 'Live', 'live', body)
  })

  app.get('/live.json', async (_request, reply) => {
    const at = ctx.now()
    const [metrics, readiness] = await Promise.all([sources.metrics(), checkReadiness(sources.readiness, sources.readinessTimeoutMs)])
    const text = metrics
      .split('\n')
      .filter((line) => !CONSOLE_SAMPLE.test(line))
      .join('\n')
    const previous = baseline(at)
    const snapshot = liveSnapshot(text, { at, readiness, ...(previous !== undefined && { previous }) })
    kept.push(snapshot.counters)
    const newest = kept.at(-1)?.at ?? at
    while (kept.length > MAX_KEPT || (kept.length > 1 && newest - (kept[0] as LiveCounters).at > KEEP_MS)) kept.shift()
    return reply.headers(DATA_PAGE_HEADERS).send(snapshot)
  })
}

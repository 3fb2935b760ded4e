import type { ReadinessReport } from '../../../http/readiness.js'
import { html, type SafeHtml } from '../html.js'
import { displayTime } from './common.js'

/** The request verdicts the Live page counts (RequestOutcome's). */
export const LIVE_VERDICTS = ['accepted', 'answered', 'duplicate', 'unrouted', 'denied', 'rejected'] as const

/** How the gateway finished custom steps (`slackgate_step_completions_total`'s results), as the Live page shows them. */
const STEP_RESULTS = [
  ['completed', 'Completed'],
  ['failed', 'Failed with a message'],
  ['already_completed', 'Already completed'],
  ['not_completed', 'Not completed (may hang)'],
] as const

/** One scrape's counters, kept by the server and passed back as `previous` for rates. */
export interface LiveCounters {
  readonly at: number
  readonly requests: Readonly<Record<string, number>>
  /** Cumulative ack-duration bucket counts by upper bound as /metrics writes it (`+Inf` last): JSON keeps it. */
  readonly ackBuckets: ReadonlyArray<readonly [string, number]>
}

/** What `/admin/live.json` answers; `fields` maps element ids of the Live page to their text. */
export interface LiveSnapshot {
  readonly counters: LiveCounters
  readonly fields: Readonly<Record<string, string>>
  /** Element id to state word (`ok`, `failed`, `timeout`, `unknown`): the page sets `data-state`. */
  readonly states: Readonly<Record<string, string>>
}

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Prometheus text exposition (0.0.4) samples; comments and malformed lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = SAMPLE.exec(line.trim())
    if (m === null) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c))
    const raw = m[3] as string
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw)
    out.push({ name: m[1] as string, labels, value })
  }
  return out
}

/** Prometheus's histogram_quantile: linear within the bucket the rank falls in. */
function quantile(q: number, byLabel: ReadonlyArray<readonly [string, number]>): number | undefined {
  const buckets = byLabel.map(([le, c]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), c] as const)
  const total = buckets.at(-1)?.[1] ?? 0
  if (total <= 0) return undefined
  const rank = q * total
  let prevBound = 0
  let prevCount = 0
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(bound)) return prevBound
      return prevBound + (bound - prevBound) * ((rank - prevCount) / (count - prevCount || 1))
    }
    prevBound = bound
    prevCount = count
  }
  return prevBound
}

const ms = (seconds: number | undefined) => (seconds === undefined ? '—' : `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`)

/**
 * The Live page's data from the gateway's own `/metrics` text: requests per second by
 * verdict and ack latency p50/p99 over the time since `previous` (since the process started
 * without it), queue depth and dead letters (`slackgate_queue_jobs`), the custom steps the
 * gateway finished by result (a `not_completed` one is marked failed), clock skew, and the
 * stores' readiness, which /metrics does not carry: pass `/readyz`'s report.
 *
 * @example
 * const snap = liveSnapshot(await metrics.render(), { at: Date.now(), previous: last?.counters })
 */
export function liveSnapshot(
  metricsText: string,
  options: { readonly at?: number; readonly previous?: LiveCounters; readonly readiness?: ReadinessReport } = {},
): LiveSnapshot {
  const at = options.at ?? 0
  const samples = parseMetrics(metricsText)
  const requests: Record<string, number> = Object.fromEntries(LIVE_VERDICTS.map((v) => [v, 0]))
  const buckets = new Map<string, number>()
  const queue: Record<string, number> = {}
  let skew: number | undefined
  let queueUp: number | undefined
  const steps: Record<string, number> = {}
  for (const s of samples) {
    if (s.name === 'slackgate_requests_total' && s.labels.verdict !== undefined) requests[s.labels.verdict] = (requests[s.labels.verdict] ?? 0) + s.value
    else if (s.name === 'slackgate_ack_duration_seconds_bucket' && s.labels.le !== undefined) {
      buckets.set(s.labels.le, (buckets.get(s.labels.le) ?? 0) + s.value)
    } else if (s.name === 'slackgate_queue_jobs' && s.labels.state !== undefined) queue[s.labels.state] = s.value
    else if (s.name === 'slackgate_clock_skew_seconds') skew = Number.isFinite(s.value) ? s.value : undefined
    else if (s.name === 'slackgate_queue_counts_up') queueUp = s.value
    else if (s.name === 'slackgate_step_completions_total' && s.labels.result !== undefined) steps[s.labels.result] = (steps[s.labels.result] ?? 0) + s.value
  }
  const bound = (le: string) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le))
  const ackBuckets = [...buckets].sort((a, b) => bound(a[0]) - bound(b[0]))
  const counters: LiveCounters = { at, requests, ackBuckets }
  const prev = options.previous
  const seconds = prev === undefined ? 0 : (at - prev.at) / 1000
  const fields: Record<string, string> = {}
  for (const v of LIVE_VERDICTS) {
    const delta = (requests[v] ?? 0) - (prev?.requests[v] ?? 0)
    fields[`live-rate-${v}`] = seconds > 0 && delta >= 0 ? (delta / seconds).toFixed(1) : '—'
    fields[`live-total-${v}`] = String(requests[v] ?? 0)
  }
  // Over the last interval when there is one (and the counters did not restart), else since start.
  const prevBuckets = new Map(prev?.ackBuckets ?? [])
  const window = ackBuckets.map(([le, c]) => [le, c - (prevBuckets.get(le) ?? 0)] as const)
  const use = window.every(([, c]) => c >= 0) && (window.at(-1)?.[1] ?? 0) > 0 ? window : ackBuckets
  fields['live-ack-p50'] = ms(quantile(0.5, use))
  fields['live-ack-p99'] = ms(quantile(0.99, use))
  const depth = queue.queued === undefined ? undefined : (queue.queued ?? 0) + (queue.active ?? 0)
  fields['live-queue-depth'] = depth === undefined ? '—' : String(depth)
  fields['live-queue-active'] = queue.active === undefined ? '—' : String(queue.active)
  fields['live-dead-letters'] = queue.dead === undefined ? '—' : String(queue.dead)
  for (const [result] of STEP_RESULTS) fields[`live-steps-${result}`] = String(steps[result] ?? 0)
  fields['live-clock-skew'] = skew === undefined ? '—' : `${skew.toFixed(1)} s`
  fields['live-updated'] = at === 0 ? '' : displayTime(at)
  const states: Record<string, string> = {
    'live-queue-counts': queueUp === undefined ? 'unknown' : queueUp === 1 ? 'ok' : 'failed',
    'live-steps-not_completed': (steps.not_completed ?? 0) > 0 ? 'failed' : 'ok',
  }
  fields['live-queue-counts'] = queueUp === undefined ? 'not reported' : queueUp === 1 ? 'answering' : 'not answering'
  if (options.readiness !== undefined) {
    states['live-ready'] = options.readiness.ready ? 'ok' : 'failed'
    fields['live-ready'] = options.readiness.ready ? 'ready' : 'not ready'
    for (const [name, result] of Object.entries(options.readiness.checks)) {
      const id = `live-store-${name.replace(/[^a-z0-9-]/gi, '-')}`
      states[id] = result
      fields[id] = result
    }
  }
  return { counters, fields, states }
}

const stat = (id: string, label: string) => html`<div class="stat"><span class="stat-label">${label}</span><span class="stat-value" id="${id}">—</span></div>`

/**
 * The Live page's skeleton: console.js fetches `/admin/live.json` every 2 s and writes each
 * `fields` entry into the element with that id (and each `states` entry as its data-state).
 * `stores` names the readiness checks, so their elements exist before the first poll.
 */
export function renderLive(options: { readonly stores?: readonly string[] } = {}): SafeHtml {
  const stores = options.stores ?? []
  return html`<div id="live" data-live-url="/admin/live.json">
<p class="muted">Updated every 2 seconds. Last update: <span id="live-updated">—</span> <span id="live-error" class="error-text" hidden>The gateway did not answer; retrying.</span></p>
<section class="panel"><h2>Requests per second</h2><div class="stats">${LIVE_VERDICTS.map((v) => html`<div class="stat"><span class="stat-label"><span class="badge badge-${v}">${v}</span></span><span class="stat-value" id="live-rate-${v}">—</span><span class="stat-sub">total <span id="live-total-${v}">—</span></span></div>`)}</div></section>
<section class="panel"><h2>Ack latency</h2><div class="stats">${stat('live-ack-p50', 'p50')}${stat('live-ack-p99', 'p99')}</div></section>
<section class="panel"><h2>Queue</h2><div class="stats">${stat('live-queue-depth', 'Depth (queued + active)')}${stat('live-queue-active', 'In delivery')}${stat('live-dead-letters', 'Dead letters')}${stat('live-queue-counts', 'Queue counts')}</div></section>
<section class="panel"><h2>Custom steps finished (since start)</h2><div class="stats">${STEP_RESULTS.map(([result, label]) => stat(`live-steps-${result}`, label))}</div></section>
<section class="panel"><h2>Clock and stores</h2><div class="stats">${stat('live-clock-skew', 'Clock skew (local − Slack, median)')}${stat('live-ready', 'Readiness')}${stores.map((s) => stat(`live-store-${s.replace(/[^a-z0-9-]/gi, '-')}`, s))}</div></section>
</div>`
}

import { ALL_REASON_CODES } from '../reasons/catalogue.js'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { RequestOutcome } from '../http/outcome.js'
import type { StepVerdict } from '../audit/step-record.js'

export type Verdict = RequestOutcome['verdict']
export type DeliveryResult = 'delivered' | 'retrying' | 'dead'

export interface QueueCounts {
  readonly queued: number
  readonly active: number
  readonly dead: number
}

export interface GatewayMetricsOptions {
  /** Read at scrape time for `slackgate_queue_jobs`; without it the queue gauges are left out. */
  readonly queueCounts?: () => Promise<QueueCounts>
  /** Epoch milliseconds, for `lastDeliveryAt`; injectable so tests can pin the clock. */
  readonly now?: () => number
  /** How long a scrape waits for `queueCounts` (default 2000 ms). */
  readonly queueCountsTimeoutMs?: number
  /** Read at scrape time for `slackgate_replay_keys` and its `_max`, where the replay store is in this process. */
  readonly replayKeys?: () => { readonly live: number; readonly max: number }
}

export interface RequestObservation {
  /** The Fastify route pattern (`/slack/commands`, `/workflows/:name`), or `unmatched`. */
  readonly endpoint: string
  readonly verdict: Verdict
  readonly reason?: string | undefined
  readonly route?: string | undefined
  readonly rule?: string | undefined
  /** Time to answer. */
  readonly seconds: number
}

export interface DeliveryObservation {
  readonly route: string
  readonly outcome: DeliveryResult
  /** One attempt. */
  readonly seconds: number
  /** From the request's receipt to this successful delivery. */
  readonly endToEndSeconds?: number | undefined
}

export interface GatewayMetrics {
  /** prom-client's text exposition content type. */
  readonly contentType: string
  /** Epoch milliseconds of the last successful delivery in this process, if any. */
  readonly lastDeliveryAt: number | undefined
  observeRequest(observation: RequestObservation): void
  /** One verified Slack request: its `X-Slack-Request-Timestamp` and the local clock, both epoch seconds. */
  observeSlackTimestamp(slackSeconds: number, nowSeconds: number): void
  observeDelivery(observation: DeliveryObservation): void
  /** The gateway finished (or could not finish) a custom step: the audit record's verdict. */
  observeStep(route: string, result: StepVerdict): void
  render(): Promise<string>
}

/** Enough verified requests for a stable median, few enough to follow a clock that drifts. */
const SKEW_WINDOW = 101

// Label values must stay bounded: a reason outside the catalogues, or a name that config
// could not have produced, is counted as `other` rather than minting a new series.
const REASONS: ReadonlySet<string> = new Set<string>(ALL_REASON_CODES)
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/
const ENDPOINT = /^\/[A-Za-z0-9_./:-]{0,127}$/

const reasonLabel = (reason: string | undefined): string => (reason === undefined ? '' : REASONS.has(reason) ? reason : 'other')
const nameLabel = (name: string | undefined): string => (name === undefined ? '' : NAME.test(name) ? name : 'other')
const endpointLabel = (endpoint: string): string => (endpoint === 'unmatched' || ENDPOINT.test(endpoint) ? endpoint : 'other')

// Slack expects an answer within 3 s (https://api.slack.com/interactivity/handling#acknowledgment_response).
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5]
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const END_TO_END_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

/**
 * The gateway's Prometheus metrics, in a registry of their own (never prom-client's global
 * one, so that two gateways in one process never share or clash). Every label value comes
 * from config or a fixed catalogue, never from a request.
 *
 * @example
 * const metrics = createGatewayMetrics({ queueCounts: () => queue.counts() })
 * metrics.observeRequest({ endpoint: '/slack/commands', verdict: 'accepted', route: 'deploy', rule: 'deployers', seconds: 0.012 })
 * const text = await metrics.render()
 */
export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const now = options.now ?? Date.now
  const register = new Registry()

  const requests = new Counter({
    name: 'slackgate_requests_total',
    help: 'Requests answered, by endpoint pattern, route, verdict and reason code.',
    labelNames: ['endpoint', 'route', 'verdict', 'reason'] as const,
    registers: [register],
  })
  const duplicates = new Counter({
    name: 'slackgate_duplicates_total',
    help: 'Requests acked as duplicates (a replay, or a Slack retry of work already queued).',
    labelNames: ['route'] as const,
    registers: [register],
  })
  const denials = new Counter({
    name: 'slackgate_policy_denials_total',
    help: 'Requests refused by a route access policy, by route, rule and reason code.',
    labelNames: ['route', 'rule', 'reason'] as const,
    registers: [register],
  })
  const ackDuration = new Histogram({
    name: 'slackgate_ack_duration_seconds',
    help: 'Time from receiving a request to answering it.',
    labelNames: ['endpoint', 'verdict'] as const,
    buckets: ACK_BUCKETS,
    registers: [register],
  })
  const attempts = new Counter({
    name: 'slackgate_delivery_attempts_total',
    help: 'Delivery attempts, by route and outcome (delivered, retrying, dead).',
    labelNames: ['route', 'outcome'] as const,
    registers: [register],
  })
  const steps = new Counter({
    name: 'slackgate_step_completions_total',
    help: 'Custom steps the gateway finished: completed, failed, already_completed, or not_completed (the call failed for good: the workflow may hang).',
    labelNames: ['route', 'result'] as const,
    registers: [register],
  })
  const deadLetters = new Counter({
    name: 'slackgate_dead_letters_total',
    help: 'Jobs that became dead letters (attempts used up, or a permanent failure).',
    labelNames: ['route'] as const,
    registers: [register],
  })
  const deliveryDuration = new Histogram({
    name: 'slackgate_delivery_duration_seconds',
    help: 'Duration of one delivery attempt.',
    labelNames: ['route', 'outcome'] as const,
    buckets: DELIVERY_BUCKETS,
    registers: [register],
  })
  const endToEnd = new Histogram({
    name: 'slackgate_end_to_end_seconds',
    help: 'Time from receiving a request to its successful delivery.',
    labelNames: ['route'] as const,
    buckets: END_TO_END_BUCKETS,
    registers: [register],
  })

  const skews: number[] = []
  let skewNext = 0
  new Gauge({
    name: 'slackgate_clock_skew_seconds',
    help: `Median of (local clock - X-Slack-Request-Timestamp) over the last ${SKEW_WINDOW} verified Slack requests; NaN before the first.`,
    registers: [register],
    collect() {
      this.set(median(skews))
    },
  })

  const replayKeys = options.replayKeys
  if (replayKeys !== undefined) {
    new Gauge({
      name: 'slackgate_replay_keys',
      help: 'Replay keys the in-process store holds now; at slackgate_replay_keys_max, requests are refused (503 replay_store_full).',
      registers: [register],
      collect() {
        this.set(replayKeys().live)
      },
    })
    new Gauge({
      name: 'slackgate_replay_keys_max',
      help: 'The most replay keys the in-process store holds (replay.maxKeys).',
      registers: [register],
      collect() {
        this.set(replayKeys().max)
      },
    })
  }

  if (options.queueCounts !== undefined) {
    const queueCounts = options.queueCounts
    const timeoutMs = options.queueCountsTimeoutMs ?? 2000
    // Both gauges of one scrape share one query, so that `up` describes the counts beside it.
    let pending: Promise<QueueCounts | undefined> | undefined
    const counts = (): Promise<QueueCounts | undefined> => {
      pending ??= withTimeout(queueCounts, timeoutMs).finally(() => {
        pending = undefined
      })
      return pending
    }
    new Gauge({
      name: 'slackgate_queue_jobs',
      help: 'Jobs in the queue by state (queued, active, dead), read at scrape time.',
      labelNames: ['state'] as const,
      registers: [register],
      async collect() {
        const c = await counts()
        // A failed read reports no counts rather than stale ones; see slackgate_queue_counts_up.
        this.reset()
        if (c !== undefined) for (const state of ['queued', 'active', 'dead'] as const) this.set({ state }, c[state])
      },
    })
    new Gauge({
      name: 'slackgate_queue_counts_up',
      help: 'Whether the queue answered the count of its jobs at this scrape (1) or not (0).',
      registers: [register],
      async collect() {
        this.set((await counts()) === undefined ? 0 : 1)
      },
    })
  }

  let lastDeliveryAt: number | undefined
  // The children of the per-request series, bound once per label set: prom-client would
  // otherwise hash the labels on every observation, on the path that answers Slack. The
  // label values are bounded (routes, reasons and endpoints are), so these maps are too.
  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>()
  const ackChildren = new Map<string, ReturnType<typeof ackDuration.labels>>()
  const attemptChildren = new Map<string, ReturnType<typeof attempts.labels>>()
  const deliveryChildren = new Map<string, ReturnType<typeof deliveryDuration.labels>>()

  return {
    contentType: register.contentType,
    get lastDeliveryAt() {
      return lastDeliveryAt
    },

    observeRequest({ endpoint, verdict, reason, route, rule, seconds }) {
      const e = endpointLabel(endpoint)
      const r = nameLabel(route)
      const why = reasonLabel(reason)
      bound(requestChildren, `${e}\0${r}\0${verdict}\0${why}`, () => requests.labels({ endpoint: e, route: r, verdict, reason: why })).inc()
      if (Number.isFinite(seconds) && seconds >= 0) bound(ackChildren, `${e}\0${verdict}`, () => ackDuration.labels({ endpoint: e, verdict })).observe(seconds)
      if (verdict === 'duplicate') duplicates.inc({ route: r })
      if (verdict === 'denied') denials.inc({ route: r, rule: nameLabel(rule), reason: reasonLabel(reason) })
    },

    observeSlackTimestamp(slackSeconds, nowSeconds) {
      const skew = nowSeconds - slackSeconds
      if (!Number.isFinite(skew)) return
      skews[skewNext] = skew
      skewNext = (skewNext + 1) % SKEW_WINDOW
    },

    observeDelivery({ route, outcome, seconds, endToEndSeconds }) {
      const r = nameLabel(route)
      const key = `${r}\0${outcome}`
      bound(attemptChildren, key, () => attempts.labels({ route: r, outcome })).inc()
      if (Number.isFinite(seconds) && seconds >= 0) bound(deliveryChildren, key, () => deliveryDuration.labels({ route: r, outcome })).observe(seconds)
      if (outcome === 'dead') deadLetters.inc({ route: r })
      if (outcome === 'delivered') {
        lastDeliveryAt = now()
        if (endToEndSeconds !== undefined && Number.isFinite(endToEndSeconds) && endToEndSeconds >= 0) endToEnd.observe({ route: r }, endToEndSeconds)
      }
    },

    observeStep(route, result) {
      steps.inc({ route: nameLabel(route), result })
    },

    async render() {
      const [own, proc] = await Promise.all([register.metrics(), processRegistry().metrics()])
      return `${own}\n${proc}`
    },
  }
}

function bound<T>(children: Map<string, T>, key: string, make: () => T): T {
  let child = children.get(key)
  if (child === undefined) children.set(key, (child = make()))
  return child
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Resolves to undefined when the read fails or does not answer in time: a scrape never fails on it. */
async function withTimeout<T>(read: () => Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms)
        timer.unref()
      }),
    ])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

// The process's own metrics (CPU, memory, event loop, GC) are collected once per process:
// collectDefaultMetrics starts observers that are never stopped, so one set per gateway
// would pile up where many gateways are built (tests), and they describe the process anyway.
let processMetrics: Registry | undefined
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry()
    collectDefaultMetrics({ register: processMetrics, prefix: 'slackgate_' })
  }
  return processMetrics
}

import { execFileSync } from 'node:child_process'
import { cpus, hostname, totalmem } from 'node:os'
import { median } from './stats.js'

export interface Machine {
  readonly date: string
  readonly host: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly commit: string
}

export function machine(): Machine {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // Not a git checkout: the figures still stand, without a commit to pin them to.
  }
  return {
    date: new Date().toISOString(),
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
  }
}

/** A markdown table from rows of cells. */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 })

/** One contender's delivery figures, as the summary of its runs gives them. */
export interface DeliveryRow {
  readonly server: string
  readonly ackedPerSecond: number
  readonly deliveredPerSecond: number
  /** Worst round's jobs waiting or in delivery at the end of the window; absent: delivers inside the request. */
  readonly backlogEnd?: number
  /** Worst round's seconds to drain that backlog; null: not within the limit. */
  readonly drainSeconds?: number | null
  readonly non2xx: number
  readonly unavailable: Readonly<Record<string, number>>
}

/** Acked/s beside delivered/s, the backlog left and how long it took to drain. */
export function deliveryTable(rows: readonly DeliveryRow[], limitSeconds: number): string {
  return table(
    ['server', 'acked/s', 'delivered/s', 'backlog at end', 'drained after', 'non-2xx (503 by reason)'],
    rows.map((r) => [
      r.server,
      fmt(r.ackedPerSecond),
      r.backlogEnd === undefined ? `${fmt(r.deliveredPerSecond)} (in request)` : fmt(r.deliveredPerSecond),
      r.backlogEnd === undefined ? '–' : fmt(r.backlogEnd),
      r.drainSeconds === undefined ? '–' : r.drainSeconds === null ? `> ${fmt(limitSeconds)} s` : `${fmt(r.drainSeconds)} s`,
      `${r.non2xx}${Object.keys(r.unavailable).length === 0 ? '' : ` (${Object.entries(r.unavailable).map(([reason, n]) => `${reason} ${n}`).join(', ')})`}`,
    ]),
  )
}

/** How to read deliveryTable. */
export function deliveryNote(limitSeconds: number): string {
  return [
    "acked/s counts 2xx answers over the window; delivered/s is the gateway's own count of delivered jobs",
    '(`slackgate_delivery_attempts_total{outcome="delivered"}`) over the same window, scraped from `/metrics`',
    'right before and after it. A throughput holds only if the two keep pace and the backlog (queued + active',
    `jobs, worst round) stays bounded; "drained after" is the time from the window's end until the backlog is empty`,
    `(polled every 200 ms, up to ${limitSeconds} s). Baseline and Bolt run their handler inside the request:`,
    'their delivered/s is their acked/s.',
  ].join('\n')
}

/** One contender's open-loop latency at the offered rate. */
export interface LatencyRow {
  readonly server: string
  readonly ackedPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly non2xx: number
}

/** p50/p99 at a fixed offered rate. */
export function latencyTable(rows: readonly LatencyRow[]): string {
  return table(
    ['server', 'acked/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx'],
    rows.map((r) => [r.server, fmt(r.ackedPerSecond), fmt(r.p50), fmt(r.p99), fmt(r.max), r.non2xx]),
  )
}

/** CPU per acked request of one component, and what one core of it could carry. */
export interface ComponentRow {
  readonly component: string
  readonly microsPerRequest: number
  /** Requests/s one core of the component could carry: 1e6 / microsPerRequest. */
  readonly requestsPerCore: number
}

/**
 * The median CPU per acked request of each component over `runs` (records keyed by
 * component; `gateway` among them).
 *
 * @example
 * componentRows([{ gateway: 400, redis: 50 }]) // [{ component: 'gateway', microsPerRequest: 400, requestsPerCore: 2500 }, …]
 */
export function componentRows(runs: ReadonlyArray<{ readonly componentMicrosPerRequest?: Readonly<Record<string, number>> }>): ComponentRow[] {
  const records = runs.flatMap((r) => (r.componentMicrosPerRequest === undefined ? [] : [r.componentMicrosPerRequest]))
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))]
  return names.map((component) => {
    const microsPerRequest = Math.round(median(records.map((r) => r[component] ?? 0)))
    return { component, microsPerRequest, requestsPerCore: microsPerRequest > 0 ? Math.round(1e6 / microsPerRequest) : Infinity }
  })
}

/** Capacity per core of each component, and how many gateway cores one core of it keeps busy. */
export function capacityTable(rows: readonly ComponentRow[]): string {
  const gateway = rows.find((r) => r.component === 'gateway')
  return table(
    ['component', 'CPU µs per acked request', 'req/s one core carries', 'gateway cores per core of it'],
    rows.map((r) => [
      r.component,
      r.microsPerRequest,
      Number.isFinite(r.requestsPerCore) ? fmt(r.requestsPerCore) : '∞',
      gateway === undefined || r === gateway || r.microsPerRequest === 0 ? '–' : round1(gateway.microsPerRequest / r.microsPerRequest),
    ]),
  )
}

/** How to read capacityTable. */
export function capacityNote(): string {
  return [
    'CPU time (user + system) from /proc over the measured window, divided by the 2xx answers in it: the gateway',
    "process, the bench's redis-server, and every process named `postgres` (the whole local cluster, so other",
    "clients' work counts too, and a backend that exits during the window takes its time with it). Redis and",
    'PostgreSQL are not pinned and share the two cores. "Gateway cores per core of it": how many fully busy',
    'gateway cores one core of that component keeps up with.',
  ].join('\n')
}

const round1 = (n: number): number => Math.round(n * 10) / 10

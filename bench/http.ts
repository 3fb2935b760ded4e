import { fileURLToPath } from 'node:url'
import { runLoad, type CpuSource, type LoadResult } from './lib/load.js'
import { awaitDrained, backlog } from './lib/queue-metrics.js'
import { startServer, type RunningServer } from './lib/server.js'
import { startSlackgate, type SlackgateSetup } from './lib/slackgate-server.js'
import { BENCH_SECRET } from './lib/slash-command.js'

export interface HttpRun {
  readonly server: string
  readonly round: number
  readonly load: LoadResult
  readonly peakRssMb: number
  /** Server CPU (user + system, all threads) per answered request, in microseconds. */
  readonly cpuMicrosPerRequest: number
  /** The offered rate of an open-loop run, in requests/s; absent: saturation (closed loop). */
  readonly offeredRate?: number
  /** 2xx answers per second over the window. */
  readonly ackedPerSecond: number
  /** Jobs delivered per second over the window; for servers that deliver inside the request, the acked rate. */
  readonly deliveredPerSecond: number
  /** A gateway's queue around the window, from its `/metrics`. */
  readonly queue?: QueueFigures
  /** CPU per acked request, in microseconds, by component (gateway and the scenario's other processes). */
  readonly componentMicrosPerRequest?: Readonly<Record<string, number>>
}

/** What a gateway's queue did around one measured window. */
export interface QueueFigures {
  /** Jobs waiting or in delivery when the window started and when it ended. */
  readonly backlogStart: number
  readonly backlogEnd: number
  /** Dead letters added during the window. */
  readonly dead: number
  /** Seconds from the end of the window until the backlog was empty; null: not within DRAIN_LIMIT_MS. */
  readonly drainSeconds: number | null
}

export interface Scenario {
  readonly name: string
  readonly path: string
  readonly start: () => Promise<RunningServer>
  /** The server is a slackgate gateway: its `/metrics` says what it delivered and what it holds. */
  readonly gateway?: boolean
  /** The other processes the scenario runs on, by component name, whose CPU each request is charged. */
  readonly components?: Readonly<Record<string, CpuSource>>
}

const server = (file: string) => fileURLToPath(new URL(`./servers/${file}`, import.meta.url))
const hand = (file: string) => () => startServer(['--import', 'tsx', server(file)], { SLACK_SIGNING_SECRET: BENCH_SECRET })

export const baseline: Scenario = { name: 'baseline (node:http + verify)', path: '/slack/commands', start: hand('baseline.ts') }
export const bolt: Scenario = { name: '@slack/bolt HTTPReceiver', path: '/slack/events', start: hand('bolt.ts') }
export const noop: Scenario = { name: 'no-op node:http (generator ceiling)', path: '/', start: hand('noop.ts') }
/** A gateway scenario; `prepare` runs before each start (to empty the stores it shares). */
export const slackgate = (
  name: string,
  setup: SlackgateSetup,
  extras: { readonly components?: Scenario['components']; readonly prepare?: () => Promise<void> } = {},
): Scenario => ({
  name,
  path: '/slack/commands',
  gateway: true,
  ...(extras.components !== undefined && { components: extras.components }),
  async start() {
    await extras.prepare?.()
    return startSlackgate(setup)
  },
})

/** How long a gateway's backlog may take to drain after a run before it is reported as not drained. */
export const DRAIN_LIMIT_MS = 60_000

export interface MeasureOptions {
  readonly durationSeconds: number
  readonly warmupSeconds: number
  readonly connections: number
  readonly bodyBytes?: number
  readonly command?: string
  readonly engine?: 'undici' | 'autocannon'
  /** Offered load in requests/s (open loop, undici only); absent: saturation. */
  readonly rate?: number
}

let runs = 0

/**
 * Starts the scenario's server on core 0, warms it, loads it from core 1 (at saturation, or
 * at `options.rate`), and for a gateway waits for its backlog to drain before stopping it.
 */
export async function measure(scenario: Scenario, round: number, options: MeasureOptions): Promise<HttpRun> {
  const running = await scenario.start()
  try {
    const job = {
      url: `http://127.0.0.1:${running.port}`,
      path: scenario.path,
      connections: options.connections,
      bodyBytes: options.bodyBytes ?? 600,
      command: options.command ?? '/deploy',
      ...(options.engine !== undefined && { engine: options.engine }),
      ...(options.rate !== undefined && { rate: options.rate }),
    }
    if (options.warmupSeconds > 0) await runLoad({ ...job, durationSeconds: options.warmupSeconds, runId: `w${process.pid}.${runs++}` })
    const load = await runLoad({
      ...job,
      durationSeconds: options.durationSeconds,
      runId: `m${process.pid}.${runs++}`,
      scrapeQueue: scenario.gateway === true,
      cpu: { gateway: { pid: running.pid }, ...scenario.components },
    })
    const cpuSeconds = load.cpuSeconds ?? {}
    const cpu = cpuSeconds.gateway ?? 0
    const ackedPerSecond = Math.round(load.acked / load.seconds)
    let deliveredPerSecond = ackedPerSecond
    let queue: QueueFigures | undefined
    const { queueBefore: before, queueAfter: after } = load
    if (before !== undefined && after !== undefined) {
      deliveredPerSecond = Math.round(((after.delivered - before.delivered) * 1000) / Math.max(1, after.at - before.at))
      const drainedAt = await awaitDrained(job.url, DRAIN_LIMIT_MS)
      queue = {
        backlogStart: backlog(before),
        backlogEnd: backlog(after),
        dead: after.dead - before.dead,
        drainSeconds: drainedAt === undefined ? null : Math.max(0, drainedAt - after.at) / 1000,
      }
    }
    const perAcked = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, load.acked))
    const componentMicrosPerRequest =
      scenario.components === undefined ? undefined : Object.fromEntries(Object.entries(cpuSeconds).map(([name, seconds]) => [name, perAcked(seconds)]))
    const { peakRssMb } = await running.stop()
    return {
      server: scenario.name,
      round,
      load,
      peakRssMb,
      cpuMicrosPerRequest: Math.round((cpu * 1e6) / Math.max(1, load.requests)),
      ...(options.rate !== undefined && { offeredRate: options.rate }),
      ackedPerSecond,
      deliveredPerSecond,
      ...(queue !== undefined && { queue }),
      ...(componentMicrosPerRequest !== undefined && { componentMicrosPerRequest }),
    }
  } catch (err) {
    await running.stop().catch(() => undefined)
    throw err
  }
}

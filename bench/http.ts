import { fileURLToPath } from 'node:url'
import { runLoad, type LoadResult } from './lib/load.js'
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
}

export interface Scenario {
  readonly name: string
  readonly path: string
  readonly start: () => Promise<RunningServer>
}

const server = (file: string) => fileURLToPath(new URL(`./servers/${file}`, import.meta.url))
const hand = (file: string) => () => startServer(['--import', 'tsx', server(file)], { SLACK_SIGNING_SECRET: BENCH_SECRET })

export const baseline: Scenario = { name: 'baseline (node:http + verify)', path: '/slack/commands', start: hand('baseline.ts') }
export const bolt: Scenario = { name: '@slack/bolt HTTPReceiver', path: '/slack/events', start: hand('bolt.ts') }
export const noop: Scenario = { name: 'no-op node:http (generator ceiling)', path: '/', start: hand('noop.ts') }
export const slackgate = (name: string, setup: SlackgateSetup): Scenario => ({ name, path: '/slack/commands', start: () => startSlackgate(setup) })

export interface MeasureOptions {
  readonly durationSeconds: number
  readonly warmupSeconds: number
  readonly connections: number
  readonly bodyBytes?: number
  readonly command?: string
  readonly engine?: 'undici' | 'autocannon'
}

let runs = 0

/** Starts the scenario's server on core 0, warms it, loads it from core 1, stops it. */
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
    }
    if (options.warmupSeconds > 0) await runLoad({ ...job, durationSeconds: options.warmupSeconds, runId: `w${process.pid}.${runs++}` })
    const cpuBefore = running.cpuSeconds()
    const load = await runLoad({ ...job, durationSeconds: options.durationSeconds, runId: `m${process.pid}.${runs++}` })
    const cpu = running.cpuSeconds() - cpuBefore
    const { peakRssMb } = await running.stop()
    return { server: scenario.name, round, load, peakRssMb, cpuMicrosPerRequest: Math.round((cpu * 1e6) / Math.max(1, load.requests)) }
  } catch (err) {
    await running.stop().catch(() => undefined)
    throw err
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, type RunningServer } from './server.js'
import { hashPassword } from '../../src/admin/security/password.js'
import { BENCH_SECRET } from './slash-command.js'

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const handler = fileURLToPath(new URL('../servers/ack-handler.mjs', import.meta.url))

export interface SlackgateSetup {
  /** `embedded` (one SQLite file) or `distributed` (Redis nonces and queue, PostgreSQL audit). */
  readonly mode: 'embedded' | 'distributed'
  readonly redisUrl?: string
  /** PostgreSQL for the distributed audit log. */
  readonly databaseUrl?: string
  /** Extra routes /cmd0 … beside /deploy, for the growth runs. */
  readonly extraRoutes?: number
  readonly bodyLimitBytes?: number
  /** `replay.ttlSeconds`; absent: the gateway's default. */
  readonly replayTtlSeconds?: number
  /** `slack.timestampToleranceSeconds`; absent: the gateway's default. */
  readonly timestampToleranceSeconds?: number
  /** The /deploy route answers in the ack (`ack: handler`, a no-op ack) before queueing its job. */
  readonly ack?: boolean
  /** The admin console on, at /admin on the same server (nobody signed in): what it adds to the Slack path. */
  readonly console?: boolean
}

/** A started gateway and the data directory that holds its `slackgate.db`. */
export interface RunningSlackgate extends RunningServer {
  readonly dataDir: string
}

/** Starts `slackgate start` from the built package with a fresh data directory. */
export async function startSlackgate(setup: SlackgateSetup): Promise<RunningSlackgate> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bench-'))
  const extra = setup.extraRoutes ?? 0
  // Every route has an access rule, as a real deployment would: the one the load hits
  // checks workspace, channel and user, so the policy stage is measured too.
  const access = (name: string) => ({ rules: [{ name, workspaces: ['T0001'], channels: ['C2147483705'], users: ['U2147483697'] }] })
  const routes: Array<Record<string, unknown>> = [{ name: 'deploy', match: { command: '/deploy' }, handler, access: access('deployers'), ...(setup.ack === true && { ack: 'handler' }) }]
  for (let i = 0; i < extra; i++) routes.push({ name: `cmd${i}`, match: { command: `/cmd${i}` }, handler, access: access(`rule${i}`) })
  const stores =
    setup.mode === 'distributed'
      ? { replay: { store: setup.redisUrl }, queue: { store: setup.redisUrl }, audit: { store: setup.databaseUrl } }
      : {}
  const dataDir = join(dir, 'data')
  // One operator with a real scrypt hash: the console as a deployment would run it.
  const admin = setup.console === true ? { admin: { origin: 'http://127.0.0.1', users: [{ name: 'bench', role: 'operator', passwordHash: await hashPassword('bench-password-0123') }] } } : {}
  const config = {
    ...admin,
    dataDir,
    server: { host: '127.0.0.1', bodyLimitBytes: setup.bodyLimitBytes ?? 1024 * 1024 * 2 },
    ...stores,
    ...(setup.timestampToleranceSeconds !== undefined && { slack: { timestampToleranceSeconds: setup.timestampToleranceSeconds } }),
    ...(setup.replayTtlSeconds !== undefined && { replay: { ...('replay' in stores ? stores.replay : {}), ttlSeconds: setup.replayTtlSeconds } }),
    routes,
  }
  // JSON is YAML: the config is written as the gateway reads it from users.
  writeFileSync(join(dir, 'slackgate.yaml'), JSON.stringify(config))
  const server = await startServer([cli, 'start', '--config', join(dir, 'slackgate.yaml')], {
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    BENCH_ROUTES: String(extra),
    BENCH_ACK: setup.ack === true ? '1' : '0',
  })
  return {
    ...server,
    dataDir,
    async stop() {
      const result = await server.stop()
      rmSync(dir, { recursive: true, force: true })
      return result
    },
  }
}

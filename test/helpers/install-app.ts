import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../../src/config/load.js'
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js'
import { createLogger } from '../../src/http/logger.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, type FakeSlackApi } from './fake-slack-api.js'
import type { MemoryVault } from './memory-vault.js'
import type { Installation } from '../../src/vault/installation.js'
import { NOW, SECRET } from './signing.js'

export const REDIRECT_URL = 'https://gateway.example.com/slack/oauth_redirect'
export const AUTHORIZE_URL = 'http://127.0.0.1:9/oauth/v2/authorize'
export const COOKIE = '__Host-slackgate-install'

/** One browser: the install cookie it holds, as a `Cookie` header. */
export interface Browser {
  readonly state: string
  readonly cookie: string
}

export interface InstallApp {
  readonly gateway: Gateway
  /** The config file, and the environment it loads with. */
  readonly configFile: string
  readonly env: Record<string, string>
  /** The stored installation under `key`, from the gateway's vault. */
  installation(key: string): Promise<Installation | undefined>
  /** The keys of every stored installation. */
  installed(): Promise<string[]>
  /** Deletes every stored installation. */
  uninstallAll(): Promise<void>
  readonly lines: string[]
  /** Every response of the run, as text (status, headers and body). */
  readonly responses: string[]
  /** Epoch seconds of the gateway's clock; move it to expire a state. */
  now: number
  /** Opens `/slack/install?direct=1` and follows nothing: the state Slack would be sent, and the cookie set. */
  begin(): Promise<Browser>
  callback(query: Record<string, string>, cookie?: string): Promise<LightMyRequestResponse>
  /** The per-request log lines, parsed. */
  requestLog(): Array<Record<string, unknown>>
  close(): Promise<void>
}

/**
 * The real gateway with `install` configured against the fake Slack API and a movable clock.
 * Its vault is the real one (the embedded SQLite file, a master key from the environment),
 * unless `vault` replaces it (a memory vault that can be made to fail).
 */
export async function installApp(slack: FakeSlackApi, installYaml = '', vault?: MemoryVault): Promise<InstallApp> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-install-'))
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack:
  apiUrl: "${slack.url}"
  clientId: "${FAKE_CLIENT_ID}"
  clientSecret: { ref: env:CLIENT_SECRET }
install:
  redirectUrl: ${REDIRECT_URL}
  authorizeUrl: ${AUTHORIZE_URL}
  scopes: { bot: [commands, "chat:write"], user: ["search:read"] }
${installYaml}vault:
  masterKey: { ref: env:MASTER_KEY }
`,
  )
  const lines: string[] = []
  const responses: string[] = []
  const env = { SLACK_SIGNING_SECRET: SECRET, CLIENT_SECRET: FAKE_CLIENT_SECRET, SLACKGATE_DATA_DIR: join(dir, 'data'), MASTER_KEY: randomBytes(32).toString('base64') }
  const config = loadConfig({ file: join(dir, 'slackgate.yaml'), env, now: NOW })
  const app: InstallApp = {
    configFile: join(dir, 'slackgate.yaml'),
    env,
    now: NOW,
    installation: (key) => app.gateway.vault.get(key),
    installed: async () => (await app.gateway.vault.list()).map((i) => i.key).sort(),
    async uninstallAll() {
      for (const key of await app.installed()) await app.gateway.vault.delete(key)
    },
    lines,
    responses,
    gateway: undefined as unknown as Gateway,
    async begin() {
      const res = await app.gateway.app.inject({ method: 'GET', url: '/slack/install?direct=1' })
      responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
      const state = new URL(String(res.headers.location)).searchParams.get('state') ?? ''
      const cookie = String(res.headers['set-cookie']).split(';')[0] as string
      return { state, cookie }
    },
    async callback(query, cookie) {
      const res = await app.gateway.app.inject({
        method: 'GET',
        url: `/slack/oauth_redirect?${new URLSearchParams(query).toString()}`,
        headers: cookie === undefined ? {} : { cookie },
      })
      responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
      return res
    },
    requestLog: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
    close: () => app.gateway.close(),
  }
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
  ;(app as { gateway: Gateway }).gateway = await createGateway({ config, logger, clock: () => app.now, ...(vault !== undefined && { vault }) })
  return app
}

/** The reason code an error page names. */
export function pageReason(res: LightMyRequestResponse): string | undefined {
  return /Reason: <code>([a-z_]+)<\/code>/.exec(res.body)?.[1]
}

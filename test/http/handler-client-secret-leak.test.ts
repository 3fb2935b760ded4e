import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { rotatingInstallation } from '../helpers/rotating-installation.js'

// The secret-leak scan of the handlers' Slack access: their tokens, the rotation's refresh
// tokens (old and new), the client secret and the vault's master key appear in no log
// line, audit record, metric, response or CLI output, across posts, a 429, a 500, a
// refresh, a refresh Slack refused, and the lifecycle events.
const CONFIG_TOKEN = 'xoxb-4242-leakscan-config-token'
const MASTER_KEY = randomBytes(32).toString('base64')
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
let slack: FakeSlackApi
let dir: string
const secrets: Array<[string, string]> = []
const responses: string[] = []
const cli: string[] = []

/** Who installed it and a user token, so that tokens_revoked has something to wipe. */
const leakExtra = (teamId: string) => ({ botUserId: 'UBOT', installerUserId: 'UINST', user: { token: `xoxp-4242-leakscan-user-${teamId}`, scopes: ['search:read'] } })

async function send(url: string, payload: string, contentType = 'application/json') {
  const res = await t.app.inject({ method: 'POST', url, headers: slackHeaders(payload, { contentType }), payload })
  responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
  return res
}

const post = (teamId: string, text: string) => send('/slack/commands', form({ ...commandFields, command: '/post', team_id: teamId, text, trigger_id: `${Math.random()}` }), FORM)
const lifecycle = (teamId: string, event: Record<string, unknown>) =>
  send('/slack/events', JSON.stringify(eventEnvelope({ team_id: teamId, event_id: `EvLeak${Math.random()}`, event })))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-client-leak-'))
  slack = await startFakeSlackApi({ token: CONFIG_TOKEN })
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { defineHandlers } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.command('/post', async ({ request, client, say }) => {
    await say('said: ' + request.text)
    await client.chat.postMessage({ channel: request.context.channelId, text: 'posted: ' + request.text })
  })
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack:
  apiUrl: "${slack.url}"
  botToken: { ref: env:BOT }
  clientId: "${FAKE_CLIENT_ID}"
  clientSecret: { ref: env:CLIENT_SECRET }
vault:
  masterKey: { ref: env:MASTER }
routes:
  - { name: post, match: { command: /post }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
`,
  )
  const env = { BOT: CONFIG_TOKEN, CLIENT_SECRET: FAKE_CLIENT_SECRET, MASTER: MASTER_KEY }
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, env, logLevel: 'debug' })

  // T1 rotates and is due: refreshed on use. T2's refresh token is refused by Slack: wiped.
  const t1 = slack.issueRotating({ identity: { teamId: 'T1' } })
  const t2 = slack.issueRotating({ identity: { teamId: 'T2' } })
  await t.gateway.vault.save(rotatingInstallation('T1', t1, 600, leakExtra('T1')))
  await t.gateway.vault.save(rotatingInstallation('T2', t2, -10, leakExtra('T2')))
  expect((await post('T1', 'refreshed')).statusCode).toBe(200)
  const granted = slack.refreshes().at(-1)?.token as string
  const grantedRefresh = (await t.gateway.vault.get('team:T1'))?.bot?.refreshToken as string
  expect(slack.posts().filter((p) => p.token === granted)).toHaveLength(2)
  slack.setRefresh({ fail: 'invalid_refresh_token' })
  expect((await post('T2', 'refused')).statusCode).toBe(200)
  expect((await t.gateway.vault.get('team:T2'))?.bot).toBeUndefined()
  slack.setRefresh({})
  slack.failNextPost({ status: 429, retryAfterSeconds: 1 })
  expect((await post('T9', 'rate limited, config token')).statusCode).toBe(200)
  slack.failNextPost({ status: 500 })
  expect((await post('T9', 'a 500')).statusCode).toBe(200)
  expect((await lifecycle('T1', { type: 'tokens_revoked', tokens: { oauth: ['UINST'] } })).statusCode).toBe(200)
  expect((await lifecycle('T1', { type: 'app_uninstalled' })).statusCode).toBe(200)

  for (const format of [[], ['--json']]) {
    const list = runCli(['installations', 'list', ...format, '--config', join(dir, 'slackgate.yaml')], { env: { SLACKGATE_DATA_DIR: join(dir, 'data'), ...env } })
    expect(list.status, list.stderr).toBe(0)
    cli.push(list.stdout, list.stderr)
  }

  secrets.push(
    ['the config bot token', CONFIG_TOKEN],
    ["T1's first bot token", t1.token],
    ["T1's first refresh token", t1.refreshToken],
    ["T1's refreshed bot token", granted],
    ["T1's new refresh token", grantedRefresh],
    ["T2's bot token", t2.token],
    ["T2's refused refresh token", t2.refreshToken],
    ["T1's user token", 'xoxp-4242-leakscan-user-T1'],
    ["T2's user token", 'xoxp-4242-leakscan-user-T2'],
    ['the client secret', FAKE_CLIENT_SECRET],
    ['the master key', MASTER_KEY],
    ['the master key (hex)', Buffer.from(MASTER_KEY, 'base64').toString('hex')],
  )
}, 60_000)

afterAll(async () => {
  await t.close()
  await slack.close()
})

describe('no token leaks from the handlers, refresh and lifecycle', () => {
  it('the run produced what is scanned', async () => {
    const audit = await readAll(t.gateway.stores.audit)
    expect(audit.filter((r) => r.source === 'vault').map((r) => [r.type, r.verdict])).toEqual([
      ['token_refresh', 'refreshed'],
      ['token_refresh', 'refresh_failed'],
      ['token_refresh', 'revoked'],
      ['tokens_revoked', 'tokens_wiped'],
      ['app_uninstalled', 'installation_deleted'],
    ])
    expect(slack.posts().length).toBeGreaterThanOrEqual(5)
    expect(cli.join('')).toContain('team:T2')
    expect(t.lines.length).toBeGreaterThan(8)
  })

  it('in no log line', () => {
    const logs = t.lines.join('\n')
    for (const [what, value] of secrets) expect(logs.includes(value), what).toBe(false)
  })

  it('in no audit record', async () => {
    const audit = JSON.stringify(await readAll(t.gateway.stores.audit))
    for (const [what, value] of secrets) expect(audit.includes(value), what).toBe(false)
  })

  it('in no metric', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    for (const [what, value] of secrets) expect(res.body.includes(value), what).toBe(false)
  })

  it('in no response', () => {
    const all = responses.join('\n')
    for (const [what, value] of secrets) expect(all.includes(value), what).toBe(false)
  })

  it('in no line of `slackgate installations list`', () => {
    const all = cli.join('\n')
    for (const [what, value] of secrets) expect(all.includes(value), what).toBe(false)
  })
})

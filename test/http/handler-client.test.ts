import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { commandFields, eventEnvelope, form, slackHeaders } from '../helpers/signing.js'

// A real gateway with a real handler module: what the handlers post reaches the fake Slack
// API with the token of the request's installation.
const CONFIG_TOKEN = 'xoxb-4242-handler-config-token'
const T2_TOKEN = 'xoxb-4242-handler-team-two-token'
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
let slack: FakeSlackApi
let dir: string
let eventSeq = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-handler-client-'))
  slack = await startFakeSlackApi({ token: CONFIG_TOKEN })
  slack.acceptToken(T2_TOKEN, { teamId: 'T0002' })
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { defineHandlers, PermanentError } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.event('app_mention', async ({ say }) => {
    await say('said in the channel')
  })
  gateway.command('/post', async ({ request, client }) => {
    await client.chat.postMessage({ channel: request.context.channelId, text: 'posted with client: ' + request.text })
  })
  gateway.command('/who', async ({ request, installations, say }) => {
    const found = await installations.find({ teamId: request.context.teamId })
    await say(JSON.stringify(found))
  })
  gateway.view('modal', async ({ say }) => {
    try {
      await say('nowhere')
    } catch (err) {
      throw new PermanentError(err.code)
    }
  })
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack:
  apiUrl: "${slack.url}"
  botToken: { ref: env:BOT }
vault:
  masterKey: { ref: env:MASTER }
routes:
  - { name: mention, match: { event: app_mention }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
  - { name: post, match: { command: /post }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
  - { name: who, match: { command: /who }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
  - { name: modal, match: { view: modal }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
`,
  )
  t = await testApp({
    file: join(dir, 'slackgate.yaml'),
    dataDir: join(dir, 'data'),
    workers: true,
    env: { BOT: CONFIG_TOKEN, MASTER: randomBytes(32).toString('base64') },
  })
  await t.gateway.vault.save({
    key: 'team:T0002',
    appId: 'A0001',
    teamId: 'T0002',
    isEnterpriseInstall: false,
    installedAt: 1_700_000_000,
    origin: 'oauth',
    installerUserId: 'U0INSTALLER',
    bot: { token: T2_TOKEN, scopes: ['chat:write', 'commands'] },
  })
}, 30_000)

afterAll(async () => {
  await t.close()
  await slack.close()
})

async function send(url: string, payload: string, contentType = 'application/json') {
  const res = await t.app.inject({ method: 'POST', url, headers: slackHeaders(payload, { contentType }), payload })
  expect(res.statusCode).toBe(200)
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
}

const event = (teamId: string) => send('/slack/events', JSON.stringify(eventEnvelope({ team_id: teamId, event_id: `EvHC${++eventSeq}`, event: { type: 'app_mention', user: 'U0001', channel: 'C0042', text: 'hi' } })))
const command = (fields: Record<string, string>) => send('/slack/commands', form({ ...commandFields, trigger_id: `${Math.random()}`, ...fields }), FORM)

describe('a handler acting in Slack', () => {
  it('say() posts to the event channel with the installation token of its workspace', async () => {
    await event('T0002')
    expect(slack.posts().at(-1)).toMatchObject({ token: T2_TOKEN, channel: 'C0042', text: 'said in the channel' })
  })

  it('client.chat.postMessage posts with the installation token of the command workspace', async () => {
    await command({ command: '/post', team_id: 'T0002', channel_id: 'C0007', text: 'prod' })
    expect(slack.posts().at(-1)).toMatchObject({ token: T2_TOKEN, channel: 'C0007', text: 'posted with client: prod' })
  })

  it('a workspace with no stored installation is served by slack.botToken', async () => {
    await command({ command: '/post', team_id: 'T0009', channel_id: 'C0009', text: 'single' })
    expect(slack.posts().at(-1)).toMatchObject({ token: CONFIG_TOKEN, channel: 'C0009', text: 'posted with client: single' })
  })

  it('installations.find tells the handler about an installation, never its token', async () => {
    await command({ command: '/who', team_id: 'T0002', channel_id: 'C0003' })
    const said = JSON.parse(slack.posts().at(-1)?.text ?? '{}') as Record<string, unknown>
    expect(said).toMatchObject({ key: 'team:T0002', teamId: 'T0002', installerUserId: 'U0INSTALLER', botScopes: ['chat:write', 'commands'], hasBotToken: true })
    expect(JSON.stringify(said)).not.toContain(T2_TOKEN)
  })

  it('say() without a channel fails with no_channel, and posts nothing', async () => {
    const before = slack.posts().length
    const payload = { type: 'view_submission', team: { id: 'T0002' }, user: { id: 'U0001' }, view: { id: 'V1', callback_id: 'modal', state: { values: {} } } }
    await send('/slack/interactions', form({ payload: JSON.stringify(payload) }), FORM)
    expect(slack.posts()).toHaveLength(before)
    const deliveries = (await readAll(t.gateway.stores.audit)).filter((r) => r.kind === 'delivery' && r.route === 'modal')
    expect(deliveries).toMatchObject([{ verdict: 'dead', reason: 'permanent_failure', outcome: 'PermanentError: no_channel' }])
  })

  it('a 500 after the post is not retried by the client: one post', async () => {
    const before = slack.posts().length
    slack.failNextPost({ status: 500 })
    await command({ command: '/post', team_id: 'T0002', channel_id: 'C0500', text: 'once' })
    expect(slack.posts().slice(before)).toMatchObject([{ channel: 'C0500' }])
    expect(slack.calls().filter((c) => c.method === 'chat.postMessage' && c.params.channel === 'C0500')).toHaveLength(1)
  })

  it('a 429 is waited out for its Retry-After and posted once', async () => {
    slack.failNextPost({ status: 429, retryAfterSeconds: 1 })
    await command({ command: '/post', team_id: 'T0002', channel_id: 'C0429', text: 'later' })
    const attempts = slack.calls().filter((c) => c.method === 'chat.postMessage' && c.params.channel === 'C0429')
    expect(attempts).toHaveLength(2)
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000)
    expect(slack.posts().filter((p) => p.channel === 'C0429')).toHaveLength(1)
  })

  it('no token in any log line', () => {
    const logs = t.lines.join('\n')
    for (const token of [CONFIG_TOKEN, T2_TOKEN]) expect(logs).not.toContain(token)
  })
})

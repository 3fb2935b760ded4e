import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'

const FORM = 'application/x-www-form-urlencoded'
const WF_SECRET = 'workflow-hs256-secret-0123456789abcdef'

let dir: string
let sink: Sink
let t: TestApp | undefined
let slackApi: FakeSlackApi | undefined
const posted: Array<{ url: string; body: Record<string, unknown> }> = []

/** Stands in for hooks.slack.com; anything else goes to the local services. */
const fakeFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input)
  if (url.startsWith('https://hooks.slack.com/')) {
    posted.push({ url, body: JSON.parse(String(init?.body)) as Record<string, unknown> })
    return new Response('ok', { status: 200 })
  }
  return fetch(input, init)
}

function config(directory: string): string {
  return `
policy:
  adminContact: "#platform-help"
${directory}
routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: ${sink.url} }
    access:
      rules:
        - name: deployers
          workspaces: [T0001]
          channels: [C0001]
          userGroups: [SDEPLOY]
      deny:
        users: [U0666]
  - name: approve
    match: { action: approve }
    forward: { url: ${sink.url} }
    access:
      rules: [{ name: approvers, users: [U0001] }]
  - name: modal
    match: { view: deploy_modal }
    forward: { url: ${sink.url} }
    access:
      rules: [{ name: modal-users, users: [U0001] }]
  - name: mentions
    match: { event: app_mention }
    forward: { url: ${sink.url} }
    access:
      rules: [{ name: deploys-channel, workspaces: [T0001], channels: [C0001] }]
  - name: payment
    match: { workflow: approve-payment }
    forward: { url: ${sink.url} }
    jwt:
      algorithms: [HS256]
      secret: { ref: env:WF_SECRET }
    access:
      rules:
        - name: billing-service
          subjects: [svc-billing]
          scopes: ["payments:approve"]
`
}

async function start(directory = 'directory:\n  userGroups: { SDEPLOY: [U0001] }'): Promise<TestApp> {
  writeFileSync(join(dir, 'slackgate.yaml'), config(directory))
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), fetch: fakeFetch, workers: true, env: { WF_SECRET, BOT: 'xoxb-fake-slack-token' } })
  return t
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-policy-'))
  sink = await startSink()
  posted.length = 0
})

afterEach(async () => {
  await t?.close()
  t = undefined
  await sink.close()
  await slackApi?.close()
  slackApi = undefined
})

function command(app: TestApp, fields: Record<string, string> = {}) {
  const body = form({ ...commandFields, trigger_id: `${Math.random()}`, ...fields })
  return app.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}

function interaction(app: TestApp, payload: Record<string, unknown>) {
  const body = form({ payload: JSON.stringify(payload) })
  return app.app.inject({ method: 'POST', url: '/slack/interactions', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}

function event(app: TestApp, overrides: Record<string, unknown>) {
  const body = JSON.stringify(eventEnvelope({ event_id: `Ev${Math.random()}`.replace('.', ''), ...overrides }))
  return app.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })
}

async function workflow(app: TestApp, claims: Record<string, unknown>) {
  const token = await new SignJWT({ sub: 'svc-billing', scope: 'payments:approve', jti: `${Math.random()}`, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 300)
    .sign(new TextEncoder().encode(WF_SECRET))
  return app.app.inject({
    method: 'POST',
    url: '/workflows/approve-payment',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ invoice: 'INV-1' }),
  })
}

const lastLog = (app: TestApp) => app.requestLogs().at(-1)

/** What sink received, by the text of each forwarded command or the kind of each request. */
const forwarded = () => sink.received.map((r) => (r.body.request as { kind: string; text?: string }).text ?? (r.body.request as { kind: string }).kind)

describe('access policy over HTTP', () => {
  it('an allowed command is dispatched, and its log line names the rule', async () => {
    const app = await start()
    const res = await command(app, { text: 'allowed' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('')
    expect(lastLog(app)).toMatchObject({ verdict: 'accepted', slackRoute: 'deploy', rule: 'deployers' })
    await waitFor(() => sink.received.length === 1)
    expect(forwarded()).toEqual(['allowed'])
  })

  it('a denied command gets an ephemeral notice naming the admin contact, not the rule, and is not dispatched', async () => {
    const app = await start()
    const denied = await command(app, { user_id: 'U0002', text: 'denied' })
    expect(denied.statusCode).toBe(200)
    const body = denied.json<Record<string, unknown>>()
    expect(body).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('ask #platform-help') })
    for (const internal of ['deployers', 'SDEPLOY', 'user_not_allowed', 'U0002']) expect(denied.body).not.toContain(internal)
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'user_not_allowed', slackRoute: 'deploy', rule: 'deployers', status: 200 })

    // Sent after the refusal: had the refused one been queued, it would arrive first.
    await command(app, { text: 'allowed' })
    await waitForQueueIdle(() => app.gateway.stores.queue.counts())
    expect(forwarded()).toEqual(['allowed'])
  })

  it.each([
    ['a user on the deny list', { user_id: 'U0666' }, 'user_denied', 'deny'],
    ['another channel', { channel_id: 'C0009' }, 'channel_not_allowed', 'deployers'],
    ['a direct message', { channel_id: 'D0001', channel_name: 'directmessage' }, 'direct_message_not_allowed', 'deployers'],
    ['another workspace (a Slack Connect user)', { team_id: 'T0FOREIGN' }, 'workspace_not_allowed', 'deployers'],
  ])('refuses %s with its reason in the log', async (_name, fields, reason, rule) => {
    const app = await start()
    const res = await command(app, fields)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ response_type: 'ephemeral' })
    expect(lastLog(app)).toMatchObject({ status: 200, verdict: 'denied', reason, rule })
  })

  it('a denied button press is acked, and the notice goes to its response_url', async () => {
    const app = await start()
    const res = await interaction(app, {
      type: 'block_actions',
      team: { id: 'T0001' },
      user: { id: 'U0002', team_id: 'T0001' },
      channel: { id: 'C0001' },
      response_url: 'https://hooks.slack.com/actions/T0001/1/x',
      actions: [{ action_id: 'approve' }],
    })
    expect(res.statusCode).toBe(200)
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'user_not_allowed', rule: 'approvers' })
    await waitFor(() => posted.length === 1)
    expect(posted[0]).toEqual({
      url: 'https://hooks.slack.com/actions/T0001/1/x',
      body: { response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('#platform-help') },
    })
    expect(sink.received).toEqual([])
  })

  it('a denied modal submission is answered by replacing the modal with the notice', async () => {
    const app = await start()
    const res = await interaction(app, { type: 'view_submission', team: { id: 'T0001' }, user: { id: 'U0002' }, view: { callback_id: 'deploy_modal' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ response_action: 'update', view: { type: 'modal', blocks: [{ text: { text: expect.stringContaining('not allowed') } }] } })
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'user_not_allowed', rule: 'modal-users' })
  })

  it('a denied event is acked and not dispatched; an allowed one is', async () => {
    const app = await start()
    const other = await event(app, { event: { type: 'app_mention', user: 'U0001', channel: 'C0009', text: 'elsewhere' } })
    expect([other.statusCode, other.body]).toEqual([200, ''])
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'channel_not_allowed', rule: 'deploys-channel' })
    const connect = await event(app, { is_ext_shared_channel: true })
    expect(connect.statusCode).toBe(200)
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'shared_channel_not_allowed' })
    const ok = await event(app, {})
    expect(ok.statusCode).toBe(200)
    await waitForQueueIdle(() => app.gateway.stores.queue.counts())
    expect(sink.received).toHaveLength(1)
  })

  it('a workflow call with the right subject and scope runs; otherwise 403 forbidden with the reason', async () => {
    const app = await start()
    const ok = await workflow(app, {})
    expect(ok.statusCode).toBe(200)
    expect(lastLog(app)).toMatchObject({ verdict: 'accepted', rule: 'billing-service', subject: 'svc-billing' })

    const scope = await workflow(app, { scope: 'payments:read' })
    expect([scope.statusCode, scope.json()]).toEqual([403, { error: 'forbidden', reason: 'scope_not_granted' }])
    const subject = await workflow(app, { sub: 'svc-other' })
    expect([subject.statusCode, subject.json()]).toEqual([403, { error: 'forbidden', reason: 'subject_not_allowed' }])
    expect(lastLog(app)).toMatchObject({ verdict: 'denied', reason: 'subject_not_allowed', rule: 'billing-service', subject: 'svc-other' })
    await waitForQueueIdle(() => app.gateway.stores.queue.counts())
    expect(sink.received).toHaveLength(1)
  })

  describe('with group membership read live from Slack', () => {
    const live = (api: FakeSlackApi) => `directory:\n  slack:\n    botToken: { ref: env:BOT }\n    apiUrl: ${api.url}\n    lookupTimeoutMs: 300`

    it('a member is allowed after one lookup, then from the cache', async () => {
      slackApi = await startFakeSlackApi()
      slackApi.setGroup('SDEPLOY', ['U0001'])
      const app = await start(live(slackApi))
      for (let i = 0; i < 2; i++) {
        const res = await command(app)
        expect([res.statusCode, res.body]).toEqual([200, ''])
      }
      expect(app.requestLogs().map((l) => [l.status, l.verdict])).toEqual([[200, 'accepted'], [200, 'accepted']])
      expect(slackApi.calls()).toMatchObject([{ method: 'usergroups.users.list', params: { usergroup: 'SDEPLOY' }, authorization: 'Bearer xoxb-fake-slack-token' }])
    })

    it('Slack down and nothing cached: denied as directory_unavailable, with a try-again notice', async () => {
      slackApi = await startFakeSlackApi()
      slackApi.setDown('refuse')
      const app = await start(live(slackApi))
      const res = await command(app)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('try again') })
      expect(lastLog(app)).toMatchObject({ status: 200, verdict: 'denied', reason: 'directory_unavailable', rule: 'deployers' })
      await waitForQueueIdle(() => app.gateway.stores.queue.counts())
      expect(sink.received).toEqual([])
    })
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { commandFields, eventEnvelope, form, NOW, OTHER_SECRET, SECRET, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

// Every secret the gateway holds or sees, with a value no other test uses.
const BOT_TOKEN = 'xoxb-4242-leaktest-bot-token'
const WF_SECRET = 'leaktest-workflow-hs256-secret-0123456789'
const LEGACY_TOKEN = 'leaktest-legacy-verification-token'
const DB_PASSWORD = 'leaktest-hunter2'
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
let slack: FakeSlackApi
let okSink: Sink
let failingSink: Sink
/** Secrets that appear on the wire during the run: signatures, bearer tokens, minted tokens. */
const seen: string[] = []
const responses: string[] = []
/** What `slackgate jobs list` printed about the run's jobs, as text and as JSON lines. */
const jobLists: string[] = []

async function send(url: string, payload: string, headers: Record<string, string>) {
  const res = await t.app.inject({ method: 'POST', url, headers, payload })
  responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
  return res
}

async function command(fields: Record<string, string>, secret = SECRET) {
  const body = form({ ...commandFields, token: LEGACY_TOKEN, trigger_id: `${Math.random()}`, ...fields })
  const headers = slackHeaders(body, { contentType: FORM, secret })
  seen.push((headers['x-slack-signature'] as string).slice(3))
  return send('/slack/commands', body, headers)
}

async function workflow(key: string) {
  const jwt = await new SignJWT({ sub: 'svc-billing', jti: `${Math.random()}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 60)
    .sign(new TextEncoder().encode(key))
  seen.push(jwt, jwt.split('.')[2] as string)
  return send('/workflows/pay', JSON.stringify({ amount: 1 }), { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' })
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-leak-'))
  slack = await startFakeSlackApi({ token: BOT_TOKEN })
  slack.setGroup('SOPS', ['U0001'])
  okSink = await startSink()
  failingSink = await startSink()
  failingSink.status = () => 500
  writeFileSync(
    join(dir, 'explode.ts'),
    `import { defineHandlers } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.command('/explode', async () => {
    throw new Error('upstream refused ${BOT_TOKEN} at redis://:${DB_PASSWORD}@10.0.0.9:6379, signed with ${SECRET}')
  })
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `directory:
  slack: { botToken: { ref: env:BOT }, apiUrl: "${slack.url}" }
routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: ${okSink.url} }
    access: { rules: [{ name: ops, userGroups: [SOPS] }] }
  - name: explode
    match: { command: /explode }
    handler: ./explode.ts
    retry: { maxAttempts: 1 }
    public: true
  - name: mentions
    match: { event: app_mention }
    forward: { url: ${failingSink.url} }
    retry: { maxAttempts: 1 }
    public: true
    audit: { storePayload: true }
  - name: pay
    match: { workflow: pay }
    forward: { url: ${okSink.url} }
    jwt: { algorithms: [HS256], secret: { ref: env:WF } }
    public: true
`,
  )
  t = await testApp({
    file: join(dir, 'slackgate.yaml'),
    dataDir: join(dir, 'data'),
    workers: true,
    env: { BOT: BOT_TOKEN, WF: WF_SECRET, SLACK_SIGNING_SECRET_PREVIOUS: OTHER_SECRET },
    // Debug lines too: a leak in a line an operator turns on is still a leak.
    logLevel: 'debug',
  })

  // The HTTP scenarios, each with the secrets in play.
  expect((await command({})).statusCode).toBe(200) // allowed (a live group lookup with the bot token)
  expect((await command({ user_id: 'U0002' })).statusCode).toBe(200) // denied by policy
  expect((await command({}, 'leaktest-forged-secret-000000000000')).statusCode).toBe(401) // forged
  expect((await command({}, OTHER_SECRET)).statusCode).toBe(200) // the previous secret, during a rotation
  expect((await command({ command: '/explode' })).statusCode).toBe(200) // a handler that fails with secrets in its message
  const bad = form({ payload: '{not json', token: LEGACY_TOKEN })
  const badHeaders = slackHeaders(bad, { contentType: FORM })
  seen.push((badHeaders['x-slack-signature'] as string).slice(3))
  expect((await send('/slack/interactions', bad, badHeaders)).statusCode).toBe(400) // signed but malformed
  const ev = JSON.stringify(eventEnvelope({ token: LEGACY_TOKEN }))
  const evHeaders = slackHeaders(ev)
  seen.push((evHeaders['x-slack-signature'] as string).slice(3))
  expect((await send('/slack/events', ev, evHeaders)).statusCode).toBe(200) // forwarded to a failing service, payload kept
  expect((await workflow(WF_SECRET)).statusCode).toBe(200)
  expect((await workflow('leaktest-wrong-key-0123456789abcdef0123')).statusCode).toBe(401)

  // Every job settles: delivered (deploy twice, pay), or dead (explode, mentions).
  await waitFor(async () => (await readAll(t.gateway.stores.audit)).filter((r) => r.kind === 'delivery').length === 5, 15_000)
  for (const r of [...okSink.received, ...failingSink.received]) {
    const minted = String(r.headers.authorization ?? '').replace(/^Bearer /, '')
    expect(minted).toMatch(/^eyJ/)
    seen.push(minted, minted.split('.')[2] as string)
  }

  // The operator's view of the dead letters, from a CLI process of its own.
  for (const format of [[], ['--json']]) {
    const list = runCli(['jobs', 'list', '--state', 'dead', ...format, '--config', join(dir, 'slackgate.yaml')], {
      env: { SLACKGATE_DATA_DIR: join(dir, 'data') },
    })
    expect(list.status, list.stderr).toBe(0)
    jobLists.push(list.stdout, list.stderr)
  }
}, 30_000)

afterAll(async () => {
  await t.close()
  await Promise.all([slack.close(), okSink.close(), failingSink.close()])
})

describe('no secret leaks, across the HTTP scenarios', () => {
  const secrets = () => [
    ['the signing secret', SECRET],
    ['the previous signing secret', OTHER_SECRET],
    ['the workflow HS256 secret', WF_SECRET],
    ['the bot token', BOT_TOKEN],
    ["Slack's legacy verification token", LEGACY_TOKEN],
    ['a password in an error', DB_PASSWORD],
    ...seen.map((s, i) => [`wire secret #${i} (a signature, a bearer JWT or its signature, a minted token)`, s]),
  ]

  it('the run produced what is scanned', async () => {
    expect(t.lines.length).toBeGreaterThanOrEqual(14)
    expect((await readAll(t.gateway.stores.audit)).length).toBe(14)
    expect(seen.length).toBeGreaterThan(12)
  })

  it('in no log line', () => {
    const logs = t.lines.join('\n')
    expect(logs).toContain('upstream refused [redacted] at redis://:[redacted]@10.0.0.9:6379')
    for (const [what, value] of secrets()) expect(logs.includes(value as string), what).toBe(false)
  })

  it('in no audit record', async () => {
    const audit = JSON.stringify(await readAll(t.gateway.stores.audit))
    expect(audit).toContain('"payload":"{')
    for (const [what, value] of secrets()) expect(audit.includes(value as string), what).toBe(false)
  })

  it('in no metric', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('slackgate_requests_total')
    for (const [what, value] of secrets()) expect(res.body.includes(value as string), what).toBe(false)
  })

  it('in no line of `slackgate jobs list`', () => {
    const all = jobLists.join('\n')
    expect(all.match(/upstream refused \[redacted\] at redis:\/\/:\[redacted\]@10\.0\.0\.9:6379/g)).toHaveLength(2)
    for (const [what, value] of secrets()) expect(all.includes(value as string), what).toBe(false)
  })

  it('in no response', () => {
    const all = responses.join('\n')
    for (const [what, value] of secrets()) expect(all.includes(value as string), what).toBe(false)
  })
})

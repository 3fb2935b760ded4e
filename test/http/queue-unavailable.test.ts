import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { ownRedis, type OwnRedis } from '../helpers/redis-server.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'

const GH = 'github-webhook-secret-0123456789'
const WF = 'workflow-shared-secret-that-is-32-bytes-long'
const FORM = 'application/x-www-form-urlencoded'

// The queue lives in a redis-server of this test's own, stopped mid-test: a real outage of
// the queue's store, while the nonce store (the embedded SQLite file) keeps answering.
let redis: OwnRedis
let t: TestApp
beforeAll(async () => {
  redis = await ownRedis()
  await redis.start()
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-queue-down-'))
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `queue: { store: "${redis.url}", redisPersistence: volatile }
sources:
  - { name: github, preset: github, secrets: [{ ref: env:GH }] }
routes:
  - { name: mentions, match: { event: app_mention }, public: true, forward: { url: "http://127.0.0.1:9/" } }
  - { name: deploy, match: { command: /deploy }, public: true, forward: { url: "http://127.0.0.1:9/" } }
  - { name: gh, match: { hook: github }, public: true, forward: { url: "http://127.0.0.1:9/" } }
  - name: nightly
    match: { workflow: nightly }
    public: true
    forward: { url: "http://127.0.0.1:9/" }
    jwt: { algorithms: [HS256], secret: { ref: env:WF } }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), env: { GH, WF } })
})
afterAll(async () => {
  await t?.close()
  await redis?.stop()
})

const mentionBody = JSON.stringify(eventEnvelope({ event_id: 'EvQueueDown1' }))
const mention = () => t.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(mentionBody), payload: mentionBody })
function command() {
  const body = form({ ...commandFields, trigger_id: `t${Math.random()}` })
  return t.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}
function hook() {
  const body = JSON.stringify({ ref: 'main', n: Math.random() })
  const sig = `sha256=${createHmac('sha256', GH).update(body).digest('hex')}`
  return t.app.inject({
    method: 'POST',
    url: '/hooks/github',
    payload: body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig, 'x-github-delivery': `d-${Math.random()}`, 'x-github-event': 'push' },
  })
}
async function workflow() {
  const token = await new SignJWT({ sub: 'svc', jti: `j-${Math.random()}` }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(NOW).setExpirationTime(NOW + 300).sign(Buffer.from(WF))
  return t.app.inject({ method: 'POST', url: '/workflows/nightly', payload: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } })
}

describe('the queue store down, over HTTP', () => {
  it('answers 503 queue_unavailable on every ingress route, and the Slack retry of the same event runs once it is back', async () => {
    expect((await command()).statusCode).toBe(200)

    await redis.stop()
    for (const send of [mention, command, hook, workflow]) {
      const res = await send()
      expect([res.statusCode, res.json()]).toEqual([503, { error: 'queue_unavailable' }])
      expect(t.requestLogs().at(-1)).toMatchObject({ status: 503, verdict: 'rejected', reason: 'queue_unavailable' })
    }

    // Its claim was released: Slack's retry of the refused event is accepted, not a duplicate.
    await redis.start()
    // The gateway's own signal that the queue answers again.
    await waitFor(async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000)
    const retried = await t.app.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { ...slackHeaders(mentionBody), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' },
      payload: mentionBody,
    })
    expect(retried.statusCode).toBe(200)
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 200, verdict: 'accepted', slackRoute: 'mentions' })
  })
})

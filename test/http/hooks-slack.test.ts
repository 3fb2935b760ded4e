import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { createTestPki, type Issued, type TestPki } from '../helpers/tls-certificates.js'

const GH = 'github-webhook-secret-0123456789'
const FORM = 'application/x-www-form-urlencoded'

/** A `preset: slack` source with the Slack routes' own secret: one Slack app posting to both. */
const sourcesYaml = `sources:
  - { name: app2, preset: slack, secrets: [{ ref: env:SLACK_SIGNING_SECRET }] }
  - { name: gh, preset: github, secrets: [{ ref: env:GH }] }
`

describe('a preset: slack source, beside /slack/*', () => {
  let dir: string
  let sink: Sink
  let t: TestApp
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slackgate-hooks-slack-'))
    sink = await startSink()
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      `${sourcesYaml}routes:
  - { name: mentions, match: { event: app_mention }, forward: { url: "${sink.url}" }, public: true }
  - name: app2
    match: { hook: app2 }
    forward: { url: "${sink.url}" }
    access: { rules: [{ name: ops, users: [U0001] }] }
`,
    )
    t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, env: { GH } })
  })
  afterEach(async () => {
    await t.close()
    await sink.close()
  })

  const send = (url: string, body: string, headers: Record<string, string>) => t.app.inject({ method: 'POST', url, headers, payload: body })
  const verdicts = () => t.requestLogs().map((l) => [l.route, l.verdict])
  async function drained(count: number): Promise<void> {
    await waitFor(async () => {
      const { queued, active } = await t.gateway.stores.queue.counts()
      return sink.received.length >= count && queued === 0 && active === 0
    })
  }

  it('shares its replay keys with /slack/*: one request runs once, whichever path it arrives on first', async () => {
    const first = JSON.stringify(eventEnvelope({ event_id: 'EvShared1' }))
    expect((await send('/slack/events', first, slackHeaders(first))).statusCode).toBe(200)
    expect((await send('/hooks/app2', first, slackHeaders(first))).statusCode).toBe(200)

    const second = JSON.stringify(eventEnvelope({ event_id: 'EvShared2' }))
    expect((await send('/hooks/app2', second, slackHeaders(second))).statusCode).toBe(200)
    expect((await send('/slack/events', second, slackHeaders(second))).statusCode).toBe(200)
    // Slack's retry: signed anew, with the same event_id.
    expect((await send('/slack/events', second, slackHeaders(second, { timestamp: NOW + 60 }))).statusCode).toBe(200)

    expect(verdicts()).toEqual([
      ['/slack/events', 'accepted'],
      ['/hooks/:source', 'duplicate'],
      ['/hooks/:source', 'accepted'],
      ['/slack/events', 'duplicate'],
      ['/slack/events', 'duplicate'],
    ])
    await drained(2)
    expect(sink.received).toHaveLength(2)
  })

  it("goes through its route's access policy with the request's Slack identity, refusing as /slack/* refuses", async () => {
    const stranger = JSON.stringify(eventEnvelope({ event_id: 'EvStranger', event: { type: 'app_mention', user: 'U0002', channel: 'C0001', text: 'hi' } }))
    const denied = await send('/hooks/app2', stranger, slackHeaders(stranger))
    expect([denied.statusCode, denied.body]).toEqual([200, ''])

    const command = form({ ...commandFields, user_id: 'U0002', trigger_id: '9.9.stranger' })
    const refused = await send('/hooks/app2', command, slackHeaders(command, { contentType: FORM }))
    expect(refused.statusCode).toBe(200)
    expect(refused.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not allowed/) })

    const allowed = JSON.stringify(eventEnvelope({ event_id: 'EvOps' }))
    expect((await send('/hooks/app2', allowed, slackHeaders(allowed))).statusCode).toBe(200)
    expect(t.requestLogs().map((l) => [l.verdict, l.reason, l.rule])).toEqual([
      ['denied', 'user_not_allowed', 'ops'],
      ['denied', 'user_not_allowed', 'ops'],
      ['accepted', undefined, 'ops'],
    ])
    await drained(1)
    expect(sink.received.map((r) => r.body.request)).toEqual([
      expect.objectContaining({ kind: 'hook', hook: 'app2', event: 'app_mention', deliveryId: 'EvOps', context: expect.objectContaining({ userId: 'U0001', channelId: 'C0001' }) }),
    ])
  })

  it('answers the url_verification handshake once the signature verified', async () => {
    const body = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'chal-123' })
    const res = await send('/hooks/app2', body, slackHeaders(body))
    expect([res.statusCode, res.json()]).toEqual([200, { challenge: 'chal-123' }])
    const forged = await send('/hooks/app2', body, slackHeaders(body, { secret: 'not-the-secret-0123456789abcdef' }))
    expect([forged.statusCode, forged.json()]).toEqual([401, { error: 'signature_mismatch' }])
  })
})

describe('a preset: slack source under mtls: required', () => {
  let pki: TestPki
  let t: TestApp
  let port: number
  beforeAll(async () => {
    pki = createTestPki()
    const file = join(pki.dir, 'hooks-mtls.yaml')
    writeFileSync(
      file,
      `server:
  tls: { cert: { ref: file:./server.pem }, key: { ref: file:./server.key }, ca: { ref: file:./ca.pem }, mtls: required }
${sourcesYaml}routes:
  - { name: app2, match: { hook: app2 }, forward: { url: "http://127.0.0.1:9/unused" }, public: true }
  - { name: gh, match: { hook: gh }, forward: { url: "http://127.0.0.1:9/unused" }, public: true }
`,
    )
    t = await testApp({ file, env: { GH } })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    port = (t.app.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await t?.close()
  })

  function sendTls(path: string, body: string, headers: Record<string, string>, client?: Issued): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, path, method: 'POST', headers, agent: false, ca: pki.ca.cert, ...(client !== undefined && { cert: client.cert, key: client.key }) },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => (text += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        },
      )
      req.once('error', reject)
      req.end(body)
    })
  }

  it("requires Slack's client certificate, as /slack/* does", async () => {
    const body = JSON.stringify(eventEnvelope({ event_id: 'EvTls1' }))
    const without = await sendTls('/hooks/app2', body, slackHeaders(body))
    expect([without.status, JSON.parse(without.body)]).toEqual([401, { error: 'client_certificate_missing' }])
    const wrong = await sendTls('/hooks/app2', body, slackHeaders(body), pki.clients.evil)
    expect([wrong.status, JSON.parse(wrong.body)]).toEqual([401, { error: 'client_certificate_mismatch' }])
    expect((await sendTls('/hooks/app2', body, slackHeaders(body), pki.clients.slack)).status).toBe(200)
  })

  it('does not ask other senders for it', async () => {
    const body = '{"zen":"Keep it logically awesome."}'
    const sig = `sha256=${createHmac('sha256', GH).update(body).digest('hex')}`
    const res = await sendTls('/hooks/gh', body, { 'content-type': 'application/json', 'x-hub-signature-256': sig })
    expect(res.status).toBe(200)
  })
})

import { createHash, createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { openSocket, readResponse } from '../helpers/raw-http.js'
import { NOW } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

const GH = 'github-webhook-secret-0123456789'
const ST = 'whsec_stripe_test_0123456789abcdef'
const SW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

const ACME = 'acme-webhook-secret-0123456789'
const REPLAY_TTL_MS = 2000

let dir: string
let sink: Sink
let t: TestApp
/** The gateway's clock (epoch seconds): what timestamps are checked against. */
let now: number

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-hooks-'))
  sink = await startSink()
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack: { timestampToleranceSeconds: 1 }
replay: { ttlSeconds: ${REPLAY_TTL_MS / 1000} }
sources:
  - { name: github, preset: github, secrets: [{ ref: env:GH }] }
  - { name: stripe, preset: stripe, secrets: [{ ref: env:ST }] }
  - { name: svix, preset: standard-webhooks, secrets: [{ ref: env:SW }] }
  - { name: stripe-slow, preset: stripe, secrets: [{ ref: env:ST }], toleranceSeconds: 3600 }
  - name: acme
    preset: generic
    secrets: [{ ref: env:ACME }]
    signature: { header: X-Acme-Signature, encoding: base64 }
    basestring: "{timestamp}.{id}.{body}"
    timestampHeader: X-Acme-Timestamp
    idHeader: X-Acme-Id
  - { name: plain, preset: generic, secrets: [{ ref: env:ACME }], signature: { header: X-Plain-Signature, prefix: "sha256=" } }
routes:
  - { name: gh, match: { hook: github }, forward: { url: "${sink.url}" }, public: true }
  - { name: payments, match: { hook: stripe }, forward: { url: "${sink.url}" }, public: true }
  - { name: users, match: { hook: svix }, forward: { url: "${sink.url}" }, public: true }
  - { name: slow-payments, match: { hook: stripe-slow }, forward: { url: "${sink.url}" }, public: true }
  - { name: orders, match: { hook: acme }, forward: { url: "${sink.url}" }, public: true }
  - { name: plain, match: { hook: plain }, forward: { url: "${sink.url}" }, public: true }
`,
  )
  now = NOW
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, env: { GH, ST, SW, ACME }, clock: () => now })
})

afterEach(async () => {
  await t.close()
  await sink.close()
})

const post = (source: string, body: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: `/hooks/${source}`, headers: { 'content-type': 'application/json', ...headers }, payload: body })

function github(body: string, delivery: string, secret = GH, event = 'push') {
  const sig = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
  return post('github', body, { 'x-hub-signature-256': sig, 'x-github-delivery': delivery, 'x-github-event': event })
}

/**
 * Moves the gateway's clock by `seconds`, and lets the stores' real clock pass the replay
 * TTL (`replay.ttlSeconds: 2` here): a key that lived only that long is gone afterwards.
 */
async function advance(seconds: number): Promise<void> {
  now += seconds
  await new Promise((resolve) => setTimeout(resolve, REPLAY_TTL_MS + 200))
}

/** Resolves once the sink has `count` deliveries and the queue has nothing left to run. */
async function drained(count: number): Promise<void> {
  await waitFor(async () => {
    const { queued, active } = await t.gateway.stores.queue.counts()
    return sink.received.length >= count && queued === 0 && active === 0
  })
}

const forwarded = () => sink.received.map((r) => r.body.request as Record<string, unknown>)

describe('webhook sources over HTTP', () => {
  it('a GitHub delivery is verified, queued and forwarded, its event and delivery id marked unsigned', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main' })
    const res = await github(body, '72d3162e-cc78-11e3-81ab-4c9367dc0958')
    expect([res.statusCode, res.json()]).toEqual([200, { ok: true }])
    await waitFor(() => sink.received.length === 1)
    expect(forwarded()[0]).toEqual({
      kind: 'hook',
      source: 'hooks',
      hook: 'github',
      unsignedHeaders: { 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' },
      context: {},
      payload: { ref: 'refs/heads/main' },
    })
    expect(t.requestLogs().at(-1)).toMatchObject({ verdict: 'accepted', kind: 'hook', slackRoute: 'gh', rule: 'public' })
    const [record] = await readAll(t.gateway.stores.audit)
    const bodyDigest = createHash('sha256').update(body).digest('base64url')
    expect(record).toMatchObject({ source: 'hooks', verdict: 'accepted', type: 'github', route: 'gh', nonceKeys: [`hook-signed:github:${bodyDigest}`] })
  })

  it('a redelivery (same id) and an exact replay under a new id are duplicates; a forgery is 401', async () => {
    const body = JSON.stringify({ n: 1 })
    expect((await github(body, 'd-1')).statusCode).toBe(200)
    expect((await github(body, 'd-1')).statusCode).toBe(200)
    // GitHub signs no id and no timestamp: the signature itself is remembered.
    expect((await github(body, 'd-2-replayed')).statusCode).toBe(200)
    expect(t.requestLogs().map((l) => l.verdict)).toEqual(['accepted', 'duplicate', 'duplicate'])
    const forged = await github(body, 'd-3', 'not-the-secret-0123456789')
    expect([forged.statusCode, forged.json()]).toEqual([401, { error: 'signature_mismatch' }])
    await waitFor(() => sink.received.length === 1)
  })

  it('a Stripe event signed by the stripe library is accepted once; its retry (new t) is a duplicate by event id', async () => {
    const stripe = new Stripe('sk_test_unused')
    const body = JSON.stringify({ id: 'evt_1NG8Du2eZvKYlo2C', type: 'invoice.paid' })
    const send = (ts: number) => post('stripe', body, { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: ST, timestamp: ts }) })
    expect((await send(NOW)).statusCode).toBe(200)
    expect((await send(NOW + 60)).statusCode).toBe(200)
    expect((await send(NOW - 400)).json()).toEqual({ error: 'stale_timestamp' })
    expect(t.requestLogs().map((l) => [l.verdict, l.reason])).toEqual([['accepted', undefined], ['duplicate', 'duplicate'], ['rejected', 'stale_timestamp']])
    await waitFor(() => sink.received.length === 1)
    expect(forwarded()[0]).toMatchObject({ hook: 'stripe', event: 'invoice.paid', deliveryId: 'evt_1NG8Du2eZvKYlo2C' })
  })

  it('a Standard Webhooks message signed by the standardwebhooks library is accepted; a changed id is refused', async () => {
    const body = JSON.stringify({ type: 'user.created', data: { id: 'u1' } })
    const sig = new Webhook(SW).sign('msg_1', new Date(NOW * 1000), body)
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': sig }
    expect((await post('svix', body, headers)).statusCode).toBe(200)
    expect((await post('svix', body, { ...headers, 'webhook-id': 'msg_2' })).json()).toEqual({ error: 'signature_mismatch' })
    const { 'webhook-id': _id, ...noId } = headers
    expect((await post('svix', body, noId)).json()).toEqual({ error: 'missing_webhook_id' })
    await waitFor(() => sink.received.length === 1)
    expect(forwarded()[0]).toMatchObject({ hook: 'svix', event: 'user.created', deliveryId: 'msg_1' })
  })

  it('a captured GitHub delivery sent again after 10 minutes, with a new delivery id and X-GitHub-Event: release, is a duplicate', async () => {
    const body = JSON.stringify({ action: 'opened', number: 7 })
    expect((await github(body, 'd-orig')).statusCode).toBe(200)
    await drained(1)
    await advance(700)
    const replay = await github(body, 'd-forged', GH, 'release')
    expect([replay.statusCode, replay.json()]).toEqual([200, { ok: true }])
    expect(t.requestLogs().map((l) => l.verdict)).toEqual(['accepted', 'duplicate'])
    await drained(1)
    expect(forwarded()).toEqual([expect.objectContaining({ unsignedHeaders: { 'x-github-event': 'push', 'x-github-delivery': 'd-orig' } })])
  })

  it('the same signed Stripe bytes sent again after 10 minutes, within a 3600 s tolerance, are a duplicate', async () => {
    const stripe = new Stripe('sk_test_unused')
    const body = JSON.stringify({ id: 'evt_slow_1', type: 'invoice.paid' })
    const headers = { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: ST, timestamp: NOW }) }
    expect((await post('stripe-slow', body, headers)).statusCode).toBe(200)
    await drained(1)
    await advance(700)
    expect((await post('stripe-slow', body, headers)).statusCode).toBe(200)
    // Stripe retries for days, signed anew each time: still the same event.
    await advance(2 * 86_400)
    const retry = { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: ST, timestamp: now }) }
    expect((await post('stripe-slow', body, retry)).statusCode).toBe(200)
    expect(t.requestLogs().map((l) => l.verdict)).toEqual(['accepted', 'duplicate', 'duplicate'])
    await drained(1)
    expect(sink.received).toHaveLength(1)
  })

  it('a signature spelt another way (base64 without padding, uppercase hex) is malformed, not a new delivery', async () => {
    const body = JSON.stringify({ type: 'order.created', order: 1 })
    const mac = createHmac('sha256', ACME).update(`${NOW}.o-1.${body}`).digest('base64')
    const acme = (sig: string) => post('acme', body, { 'x-acme-signature': sig, 'x-acme-timestamp': String(NOW), 'x-acme-id': 'o-1' })
    expect((await acme(mac)).statusCode).toBe(200)
    const respelt = await acme(mac.replace(/=+$/, ''))
    expect([respelt.statusCode, respelt.json()]).toEqual([401, { error: 'malformed_signature' }])

    const hex = createHmac('sha256', ACME).update(body).digest('hex')
    const plain = (sig: string) => post('plain', body, { 'x-plain-signature': `sha256=${sig}` })
    expect((await plain(hex)).statusCode).toBe(200)
    const upper = await plain(hex.toUpperCase())
    expect([upper.statusCode, upper.json()]).toEqual([401, { error: 'malformed_signature' }])
    expect(t.requestLogs().map((l) => [l.verdict, l.reason])).toEqual([
      ['accepted', undefined],
      ['rejected', 'malformed_signature'],
      ['accepted', undefined],
      ['rejected', 'malformed_signature'],
    ])
    await drained(2)
    expect(sink.received).toHaveLength(2)
  })

  it('an unknown source is 404; a body that is not an object is 400 after verification', async () => {
    expect((await post('nope', '{}', {})).json()).toEqual({ error: 'not_found' })
    const res = await github('[1,2]', 'd-9')
    expect([res.statusCode, res.json()]).toEqual([400, { error: 'invalid_payload' }])
  })

  it('refuses a signature header sent twice on the wire', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (t.app.server.address() as { port: number }).port
    const body = '{}'
    const sig = `sha256=${createHmac('sha256', GH).update(body).digest('hex')}`
    const socket = await openSocket(port)
    const response = readResponse(socket)
    socket.write(
      ['POST /hooks/github HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', 'Content-Type: application/json', `Content-Length: ${body.length}`, `X-Hub-Signature-256: ${sig}`, `X-Hub-Signature-256: ${sig}`, '', body].join('\r\n'),
    )
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 401/)
    expect(text).toContain('{"error":"duplicate_header"}')
  })
})

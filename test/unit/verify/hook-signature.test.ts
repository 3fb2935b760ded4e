import { createHash, createHmac, createSecretKey } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import type { HeaderValue } from '../../../src/verify/header-value.js'
import { genericScheme, githubScheme, slackScheme, standardWebhooksScheme, stripeScheme, type HookScheme } from '../../../src/verify/hook-schemes.js'
import { verifyHookSignature, type HookSecret } from '../../../src/verify/hook-signature.js'
import { signSlackRequest } from '../../../src/verify/slack-signature.js'
import { createSigningSecret } from '../../../src/verify/signing-secret.js'

const NOW = 1_800_000_000
const secretOf = (scheme: HookScheme, value: string, notAfter?: number): HookSecret => ({
  key: createSecretKey(scheme.keyBytes(value)),
  ...(notAfter !== undefined && { notAfter }),
})

function verify(scheme: HookScheme, secrets: string[] | HookSecret[], headers: Record<string, HeaderValue>, body: string, now = NOW) {
  const keyed = secrets.map((s) => (typeof s === 'string' ? secretOf(scheme, s) : s))
  return verifyHookSignature({ body: Buffer.from(body), header: (name) => headers[name] }, scheme, { secrets: keyed, now, toleranceSeconds: 300 })
}

describe('GitHub (X-Hub-Signature-256)', () => {
  // GitHub's documented example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
  const secret = "It's a Secret to Everybody"
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'

  it("verifies GitHub's published example", () => {
    expect(verify(githubScheme, [secret], { 'x-hub-signature-256': documented, 'x-github-delivery': 'd-1' }, 'Hello, World!')).toEqual({
      ok: true,
      secretIndex: 0,
      mac: Buffer.from(documented.slice(7), 'hex'),
      contentHash: createHash('sha256').update('Hello, World!').digest(),
    })
  })

  it.each([
    ['a changed body', { 'x-hub-signature-256': documented }, 'Hello, World?', 'signature_mismatch'],
    ['no signature', {}, 'Hello, World!', 'missing_signature'],
    ['the sha1 header only', { 'x-hub-signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' }, 'Hello, World!', 'missing_signature'],
    ['an uppercase digest', { 'x-hub-signature-256': documented.toUpperCase() }, 'Hello, World!', 'malformed_signature'],
    ['the header twice', { 'x-hub-signature-256': [documented, documented] }, 'Hello, World!', 'duplicate_header'],
    ['the delivery id twice', { 'x-hub-signature-256': documented, 'x-github-delivery': ['a', 'b'] }, 'Hello, World!', 'duplicate_header'],
  ])('refuses %s', (_name, headers, body, reason) => {
    expect(verify(githubScheme, [secret], headers as Record<string, HeaderValue>, body)).toEqual({ ok: false, reason })
  })

  it('rotation: the previous secret verifies until its notAfter', () => {
    const headers = { 'x-hub-signature-256': documented }
    const secrets = [secretOf(githubScheme, 'the-new-secret-0123456789'), secretOf(githubScheme, secret, NOW + 60)]
    expect(verify(githubScheme, secrets, headers, 'Hello, World!')).toMatchObject({ ok: true, secretIndex: 1 })
    expect(verify(githubScheme, secrets, headers, 'Hello, World!', NOW + 61)).toEqual({ ok: false, reason: 'signature_mismatch' })
  })
})

describe('Stripe (Stripe-Signature), against the stripe library', () => {
  const secret = 'whsec_test_0123456789abcdefghijklmnop'
  const stripe = new Stripe('sk_test_unused')
  const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' })
  const header = (timestamp = NOW, payload = body, s = secret) => stripe.webhooks.generateTestHeaderString({ payload, secret: s, timestamp })

  it('verifies what the stripe library signs', () => {
    expect(verify(stripeScheme, [secret], { 'stripe-signature': header() }, body)).toMatchObject({ ok: true, timestamp: NOW })
  })

  it('signs what the stripe library verifies (constructEvent)', () => {
    const v1 = createHmac('sha256', secret).update(`${NOW}.${body}`).digest('hex')
    const sig = `t=${NOW},v1=${v1}`
    expect(verify(stripeScheme, [secret], { 'stripe-signature': sig }, body).ok).toBe(true)
    expect(stripe.webhooks.constructEvent(body, sig, secret, 300 + (Math.floor(Date.now() / 1000) - NOW)).id).toBe('evt_1')
  })

  it('accepts any of several v1 signatures, and ignores v0', () => {
    const good = header().split(',')[1] as string
    const sig = `t=${NOW},v0=${'0'.repeat(64)},v1=${'a'.repeat(64)},${good}`
    expect(verify(stripeScheme, [secret], { 'stripe-signature': sig }, body).ok).toBe(true)
  })

  it.each([
    ['stale', header(NOW - 301), 'stale_timestamp'],
    ['from the future', header(NOW + 301), 'future_timestamp'],
    ['signed with another secret', header(NOW, body, 'whsec_other_0123456789abcdefghij'), 'signature_mismatch'],
    ['without t', `v1=${'a'.repeat(64)}`, 'malformed_signature'],
    ['without v1', `t=${NOW},v0=${'a'.repeat(64)}`, 'malformed_signature'],
    ['with a non-numeric t', `t=12a,v1=${'a'.repeat(64)}`, 'malformed_timestamp'],
  ])('refuses a header %s', (_name, sig, reason) => {
    expect(verify(stripeScheme, [secret], { 'stripe-signature': sig }, body)).toEqual({ ok: false, reason })
  })

  it('still verifies at the edge of the window, both ways', () => {
    expect(verify(stripeScheme, [secret], { 'stripe-signature': header(NOW - 300) }, body).ok).toBe(true)
    expect(verify(stripeScheme, [secret], { 'stripe-signature': header(NOW + 300) }, body).ok).toBe(true)
  })
})

describe('Standard Webhooks, against the standardwebhooks library', () => {
  // The specification's test vector (standard-webhooks reference implementations).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const vector = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }
  const headers = (id: string, ts: number, sig: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig })

  it('verifies the published vector', () => {
    expect(verify(standardWebhooksScheme, [secret], headers(vector.id, vector.timestamp, vector.signature), vector.body, vector.timestamp)).toMatchObject({
      ok: true,
      id: vector.id,
    })
  })

  it('verifies what the library signs, and the library verifies what the scheme signs', () => {
    const wh = new Webhook(secret)
    const body = JSON.stringify({ type: 'user.created', n: 1 })
    const sig = wh.sign('msg_2', new Date(NOW * 1000), body)
    expect(verify(standardWebhooksScheme, [secret], headers('msg_2', NOW, sig), body).ok).toBe(true)
    const ours = createHmac('sha256', standardWebhooksScheme.keyBytes(secret)).update(`msg_3.${vector.timestamp}.${body}`).digest('base64')
    expect(() => new Webhook(secret).verify(body, headers('msg_3', vector.timestamp, `v1,${ours}`))).toThrow(/timestamp/i)
    expect(verify(standardWebhooksScheme, [secret], headers('msg_3', vector.timestamp, `v1,${ours}`), body, vector.timestamp).ok).toBe(true)
  })

  it('accepts any of several space-separated signatures, and ignores other versions', () => {
    const sig = `v1a,${'A'.repeat(44)} v1,${'B'.repeat(42)}A= ${vector.signature}`
    expect(verify(standardWebhooksScheme, [secret], headers(vector.id, vector.timestamp, sig), vector.body, vector.timestamp).ok).toBe(true)
  })

  it.each([
    ['no webhook-id (it is signed)', { 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature }, 'missing_webhook_id'],
    ['no webhook-timestamp', { 'webhook-id': vector.id, 'webhook-signature': vector.signature }, 'missing_timestamp'],
    ['a changed id', headers('msg_other', vector.timestamp, vector.signature), 'signature_mismatch'],
    ['a signature that is not base64', headers(vector.id, vector.timestamp, 'v1,not*base64'), 'malformed_signature'],
    ['the timestamp twice', { ...headers(vector.id, vector.timestamp, vector.signature), 'webhook-timestamp': ['1', '2'] }, 'duplicate_header'],
  ])('refuses %s', (_name, h, reason) => {
    expect(verify(standardWebhooksScheme, [secret], h as Record<string, HeaderValue>, vector.body, vector.timestamp)).toEqual({ ok: false, reason })
  })

  it('refuses a stale and a future timestamp', () => {
    const h = headers(vector.id, vector.timestamp, vector.signature)
    expect(verify(standardWebhooksScheme, [secret], h, vector.body, vector.timestamp + 301)).toEqual({ ok: false, reason: 'stale_timestamp' })
    expect(verify(standardWebhooksScheme, [secret], h, vector.body, vector.timestamp - 301)).toEqual({ ok: false, reason: 'future_timestamp' })
  })

  it('reads whsec_ secrets as base64 key bytes', () => {
    expect(standardWebhooksScheme.keyBytes(secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
    expect(() => standardWebhooksScheme.keyBytes('whsec_not base64!')).toThrow(/base64/)
  })
})

describe('Slack v0 as a source', () => {
  it('verifies what slackgate sign (Slack) signs, with its window', () => {
    const body = 'command=%2Fdeploy'
    const sig = signSlackRequest(createSigningSecret('slack-source-secret-0123'), NOW, body)
    const h = { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(NOW) }
    expect(verify(slackScheme, ['slack-source-secret-0123'], h, body)).toMatchObject({ ok: true, timestamp: NOW })
    expect(verify(slackScheme, ['slack-source-secret-0123'], h, body, NOW + 301)).toEqual({ ok: false, reason: 'stale_timestamp' })
  })
})

describe('generic schemes', () => {
  const scheme = genericScheme({
    header: 'X-Acme-Signature',
    prefix: 'sha512=',
    algorithm: 'sha512',
    encoding: 'base64',
    basestring: '{timestamp}.{id}.{body}',
    timestampHeader: 'X-Acme-Timestamp',
    idHeader: 'X-Acme-Id',
  })
  const sign = (ts: number, id: string, body: string) => `sha512=${createHmac('sha512', 'acme-secret-0123456789').update(`${ts}.${id}.${body}`).digest('base64')}`
  const h = (ts: number, id: string, body: string) => ({ 'x-acme-signature': sign(ts, id, body), 'x-acme-timestamp': String(ts), 'x-acme-id': id })

  it('verifies its configured header, prefix, algorithm, encoding and basestring', () => {
    expect(verify(scheme, ['acme-secret-0123456789'], h(NOW, 'a-1', '{"x":1}'), '{"x":1}')).toMatchObject({ ok: true, id: 'a-1', timestamp: NOW })
  })

  it('inserts header values literally (no $& patterns), and binds the id', () => {
    expect(verify(scheme, ['acme-secret-0123456789'], h(NOW, '$&$`', '{}'), '{}').ok).toBe(true)
    const swapped = { ...h(NOW, 'a-1', '{}'), 'x-acme-id': 'a-2' }
    expect(verify(scheme, ['acme-secret-0123456789'], swapped, '{}')).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it.each([
    ['without the prefix', (s: string) => s.slice(7), 'malformed_signature'],
    ['a digest of the wrong length', () => 'sha512=AAAA', 'malformed_signature'],
  ])('refuses a signature %s', (_name, mangle, reason) => {
    const headers = h(NOW, 'a-1', '{}')
    expect(verify(scheme, ['acme-secret-0123456789'], { ...headers, 'x-acme-signature': mangle(headers['x-acme-signature']) }, '{}')).toEqual({ ok: false, reason })
  })

  it('hex sha256 over the body alone, with no timestamp', () => {
    const plain = genericScheme({ header: 'x-sig', prefix: '', algorithm: 'sha256', encoding: 'hex', basestring: '{body}' })
    const sig = createHmac('sha256', 'plain-secret-0123456789').update('{"a":1}').digest('hex')
    expect(verify(plain, ['plain-secret-0123456789'], { 'x-sig': sig }, '{"a":1}')).toMatchObject({ ok: true })
    expect(verify(plain, ['plain-secret-0123456789'], { 'x-sig': sig }, '{"a":2}')).toEqual({ ok: false, reason: 'signature_mismatch' })
  })
})

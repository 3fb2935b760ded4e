import { createSecretKey } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import type { HeaderValue } from '../../../src/verify/header-value.js'
import { githubScheme, standardWebhooksScheme } from '../../../src/verify/hook-schemes.js'
import { verifyHookSignature } from '../../../src/verify/hook-signature.js'

// The edges mutation testing found unchecked (docs/mutation-testing.md): headers a scheme
// requires, the id's shape, a secret's last second, and what a verified result carries.
const NOW = 1_800_000_000
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const body = '{"type":"user.created"}'
const signed = (id: string) => new Webhook(SECRET).sign(id, new Date(NOW * 1000), body)
const swHeaders = (id: string, over: Record<string, HeaderValue> = {}): Record<string, HeaderValue> => ({
  'webhook-id': id,
  'webhook-timestamp': String(NOW),
  'webhook-signature': signed(id),
  ...over,
})
const verify = (headers: Record<string, HeaderValue>, notAfter?: number) =>
  verifyHookSignature({ body: Buffer.from(body), header: (name) => headers[name] }, standardWebhooksScheme, {
    secrets: [{ key: createSecretKey(standardWebhooksScheme.keyBytes(SECRET)), ...(notAfter !== undefined && { notAfter }) }],
    now: NOW,
    toleranceSeconds: 300,
  })

describe('webhook signature edges', () => {
  it('carries the signed timestamp and id in a verified result, and no such keys when the scheme has none', () => {
    const result = verify(swHeaders('msg_1'))
    expect(result).toMatchObject({ ok: true, secretIndex: 0, timestamp: NOW, id: 'msg_1' })
    const github = verifyHookSignature(
      { body: Buffer.from('Hello, World!'), header: (name) => ({ 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' })[name] },
      githubScheme,
      { secrets: [{ key: createSecretKey(Buffer.from("It's a Secret to Everybody")) }], now: NOW, toleranceSeconds: 300 },
    )
    expect(Object.keys(github).sort()).toEqual(['contentHash', 'mac', 'ok', 'secretIndex'])
  })

  it('refuses a missing timestamp header as missing_timestamp, before anything else is read', () => {
    expect(verify(swHeaders('msg_1', { 'webhook-timestamp': undefined }))).toEqual({ ok: false, reason: 'missing_timestamp' })
  })

  it.each([['msg 1'], [''], ['x'.repeat(256)], ['msg_\u00e9']])('refuses a signed id that is not 1 to 255 printable ASCII characters (%j)', (id) => {
    expect(verify(swHeaders('msg_1', { 'webhook-id': id }))).toEqual({ ok: false, reason: 'missing_webhook_id' })
  })

  it('accepts an id of 255 characters', () => {
    const id = 'm'.repeat(255)
    expect(verify(swHeaders(id))).toMatchObject({ ok: true, id })
  })

  it('verifies with a secret up to and including its last second (notAfter), not after', () => {
    expect(verify(swHeaders('msg_1'), NOW)).toMatchObject({ ok: true })
    expect(verify(swHeaders('msg_1'), NOW - 1)).toEqual({ ok: false, reason: 'signature_mismatch' })
  })
})

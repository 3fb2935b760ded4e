import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createSigningSecret } from '../../../src/verify/signing-secret.js'
import { SigningSecretError } from '../../../src/verify/errors.js'
import { signSlackRequest, verifySlackSignature, type SlackSignatureInput } from '../../../src/verify/slack-signature.js'
import { NOW, OTHER_SECRET, SECRET, secret } from '../../helpers/signing.js'

interface Vector {
  name: string
  signingSecret: string
  timestamp: string
  body: string
  signature: string
}
const vectors = (JSON.parse(readFileSync(new URL('../../vectors/slack-signature.json', import.meta.url), 'utf8')) as {
  cases: Vector[]
}).cases

const body = Buffer.from('token=x&team_id=T1&command=%2Fdeploy&text=prod')
function signed(overrides: Partial<SlackSignatureInput> = {}, at: number = NOW): SlackSignatureInput {
  return { body, timestamp: String(at), signature: signSlackRequest(secret, at, body), ...overrides }
}
const opts = { secrets: [secret], now: NOW }

describe('verifySlackSignature: the documented vector', () => {
  it.each(vectors)('$name verifies with the clock pinned to its timestamp', (v) => {
    const input = { body: Buffer.from(v.body), timestamp: v.timestamp, signature: v.signature }
    const result = verifySlackSignature(input, { secrets: [createSigningSecret(v.signingSecret)], now: Number(v.timestamp) })
    expect(result).toEqual({ ok: true, secretIndex: 0, timestamp: Number(v.timestamp) })
  })

  it.each(vectors)('$name is stale against the real clock', (v) => {
    const input = { body: Buffer.from(v.body), timestamp: v.timestamp, signature: v.signature }
    const now = Math.floor(Date.now() / 1000)
    expect(verifySlackSignature(input, { secrets: [createSigningSecret(v.signingSecret)], now })).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    })
  })

  it.each(vectors)('$name: our signer reproduces the documented signature', (v) => {
    expect(signSlackRequest(createSigningSecret(v.signingSecret), v.timestamp, v.body)).toBe(v.signature)
  })
})

describe('verifySlackSignature: reason codes', () => {
  it('accepts a correctly signed request', () => {
    expect(verifySlackSignature(signed(), opts)).toEqual({ ok: true, secretIndex: 0, timestamp: NOW })
  })

  it('missing_signature', () => {
    expect(verifySlackSignature(signed({ signature: undefined }), opts)).toMatchObject({ reason: 'missing_signature' })
  })

  it('missing_timestamp', () => {
    expect(verifySlackSignature(signed({ timestamp: undefined }), opts)).toMatchObject({ reason: 'missing_timestamp' })
  })

  it.each([
    ['empty', ''],
    ['no version', 'a'.repeat(64)],
    ['other version', `v1=${'a'.repeat(64)}`],
    ['63 hex digits', `v0=${'a'.repeat(63)}`],
    ['65 hex digits', `v0=${'a'.repeat(65)}`],
    ['uppercase hex', `v0=${'A'.repeat(64)}`],
    ['non-hex', `v0=${'g'.repeat(64)}`],
    ['trailing space', `v0=${'a'.repeat(64)} `],
    ['leading space', ` v0=${'a'.repeat(64)}`],
  ])('malformed_signature: %s', (_name, signature) => {
    expect(verifySlackSignature(signed({ signature }), opts)).toMatchObject({ reason: 'malformed_signature' })
  })

  it.each([
    ['empty', ''],
    ['sign', `+${NOW}`],
    ['negative', `-${NOW}`],
    ['space', ` ${NOW}`],
    ['decimal point', `${NOW}.0`],
    ['exponent', '1.8e9'],
    ['hex', '0x6B49D200'],
    ['13 digits', '1'.repeat(13)],
    ['letters', 'yesterday'],
  ])('malformed_timestamp: %s', (_name, timestamp) => {
    expect(verifySlackSignature(signed({ timestamp }), opts)).toMatchObject({ reason: 'malformed_timestamp' })
  })

  it('duplicate_header: signature sent twice', () => {
    const one = signed()
    const input = { ...one, signature: [one.signature as string, one.signature as string] }
    expect(verifySlackSignature(input, opts)).toMatchObject({ reason: 'duplicate_header' })
  })

  it('duplicate_header: timestamp sent twice', () => {
    expect(verifySlackSignature(signed({ timestamp: [String(NOW), String(NOW)] }), opts)).toMatchObject({
      reason: 'duplicate_header',
    })
  })

  it('stale_timestamp: beyond the window in the past; the window edge itself is accepted', () => {
    expect(verifySlackSignature(signed({}, NOW - 300), opts)).toMatchObject({ ok: true })
    expect(verifySlackSignature(signed({}, NOW - 301), opts)).toMatchObject({ reason: 'stale_timestamp' })
  })

  it('future_timestamp: beyond the window in the future; the window edge itself is accepted', () => {
    expect(verifySlackSignature(signed({}, NOW + 300), opts)).toMatchObject({ ok: true })
    expect(verifySlackSignature(signed({}, NOW + 301), opts)).toMatchObject({ reason: 'future_timestamp' })
  })

  it('the window is configurable', () => {
    const narrow = { ...opts, toleranceSeconds: 30 }
    expect(verifySlackSignature(signed({}, NOW - 31), narrow)).toMatchObject({ reason: 'stale_timestamp' })
    expect(verifySlackSignature(signed({}, NOW + 31), narrow)).toMatchObject({ reason: 'future_timestamp' })
    expect(verifySlackSignature(signed({}, NOW - 30), narrow)).toMatchObject({ ok: true })
  })

  it('signature_mismatch: wrong secret', () => {
    const other = createSigningSecret(OTHER_SECRET)
    expect(verifySlackSignature(signed(), { secrets: [other], now: NOW })).toMatchObject({ reason: 'signature_mismatch' })
  })

  it('signature_mismatch: a body changed by one byte', () => {
    const input = signed()
    for (let i = 0; i < body.length; i++) {
      const tampered = Buffer.from(body)
      tampered[i] = (tampered[i] as number) ^ 0x01
      expect(verifySlackSignature({ ...input, body: tampered }, opts)).toMatchObject({ reason: 'signature_mismatch' })
    }
  })

  it('signature_mismatch: a byte appended or removed', () => {
    const input = signed()
    expect(verifySlackSignature({ ...input, body: Buffer.concat([body, Buffer.from(' ')]) }, opts)).toMatchObject({
      reason: 'signature_mismatch',
    })
    expect(verifySlackSignature({ ...input, body: body.subarray(0, -1) }, opts)).toMatchObject({ reason: 'signature_mismatch' })
  })

  // Fixed, not random: every byte of the digest takes part in the comparison, the first and
  // the last included, and with either secret of a rotation.
  const flip = (signature: string, index: number, mask: number) => {
    const digest = Buffer.from(signature.slice(3), 'hex')
    digest[index] = (digest[index] as number) ^ mask
    return `v0=${digest.toString('hex')}`
  }
  it.each(Array.from({ length: 32 }, (_, i) => i))('signature_mismatch: digest byte %i flipped (one bit, and all bits)', (index) => {
    const good = signed()
    for (const mask of [0x01, 0x80, 0xff]) {
      expect(verifySlackSignature({ ...good, signature: flip(good.signature as string, index, mask) }, opts)).toEqual({ ok: false, reason: 'signature_mismatch' })
    }
    const rotation = { secrets: [createSigningSecret(OTHER_SECRET), secret], now: NOW }
    expect(verifySlackSignature({ ...good, signature: flip(good.signature as string, index, 0x01) }, rotation)).toEqual({ ok: false, reason: 'signature_mismatch' })
    expect(verifySlackSignature(good, rotation)).toEqual({ ok: true, secretIndex: 1, timestamp: NOW })
  })

  it('signature_mismatch: the timestamp changed within the window', () => {
    const input = signed()
    expect(verifySlackSignature({ ...input, timestamp: String(NOW + 1) }, opts)).toMatchObject({ reason: 'signature_mismatch' })
  })

  it('checks the timestamp before the HMAC: a stale request with a valid signature is stale', () => {
    expect(verifySlackSignature(signed({}, NOW - 1000), opts)).toMatchObject({ reason: 'stale_timestamp' })
  })

  it('hashes the raw bytes: a body that is not valid UTF-8 verifies when signed as bytes', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
    const input = { body: raw, timestamp: String(NOW), signature: signSlackRequest(secret, NOW, raw) }
    expect(verifySlackSignature(input, opts)).toMatchObject({ ok: true })
  })
})

describe('verifySlackSignature: rotation', () => {
  const current = createSigningSecret(SECRET)
  const previous = createSigningSecret(OTHER_SECRET, { notAfter: NOW + 3600 })

  it('accepts both the new and the old secret during rotation, reporting which matched', () => {
    const withNew = signed()
    const withOld = { ...withNew, signature: signSlackRequest(createSigningSecret(OTHER_SECRET), NOW, body) }
    const both = { secrets: [current, previous], now: NOW }
    expect(verifySlackSignature(withNew, both)).toEqual({ ok: true, secretIndex: 0, timestamp: NOW })
    expect(verifySlackSignature(withOld, both)).toEqual({ ok: true, secretIndex: 1, timestamp: NOW })
  })

  it('rejects a secret past its notAfter date', () => {
    const withOld = { ...signed({}, NOW + 3601), signature: signSlackRequest(createSigningSecret(OTHER_SECRET), NOW + 3601, body) }
    expect(verifySlackSignature(withOld, { secrets: [current, previous], now: NOW + 3601 })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it('accepts notAfter as a Date', () => {
    const s = createSigningSecret(SECRET, { notAfter: new Date((NOW + 10) * 1000) })
    expect(s.notAfter).toBe(NOW + 10)
    expect(verifySlackSignature(signed(), { secrets: [s], now: NOW })).toMatchObject({ ok: true })
  })
})

describe('createSigningSecret', () => {
  it.each(['', ' ', '\n\t '])('refuses an empty or whitespace-only secret (%j)', (value) => {
    expect(() => createSigningSecret(value)).toThrow(SigningSecretError)
  })

  it('refuses a non-string', () => {
    expect(() => createSigningSecret(undefined as unknown as string)).toThrow(SigningSecretError)
  })

  it('refuses an invalid notAfter', () => {
    expect(() => createSigningSecret(SECRET, { notAfter: Number.NaN })).toThrow(SigningSecretError)
  })

  it('never prints the secret: inspect and JSON show no key material', async () => {
    const { inspect } = await import('node:util')
    expect(inspect(secret, { depth: 5 })).not.toContain(SECRET)
    expect(JSON.stringify(secret)).not.toContain(SECRET)
  })
})

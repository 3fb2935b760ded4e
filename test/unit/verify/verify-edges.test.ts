import { describe, expect, it } from 'vitest'
import { SigningSecretError } from '../../../src/verify/errors.js'
import { rawHeaderValue } from '../../../src/verify/header-value.js'
import { createSigningSecret, toSigningSecrets, type SigningSecret } from '../../../src/verify/signing-secret.js'
import { signSlackRequest, verifySlackSignature } from '../../../src/verify/slack-signature.js'

// Edges mutation testing found unchecked (docs/mutation-testing.md).
const NOW = 1_800_000_000
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5'

describe('verification edges', () => {
  it('a rotated-out Slack secret verifies up to and including its notAfter second, not after', () => {
    const old = createSigningSecret(SECRET, { notAfter: NOW })
    const body = Buffer.from('token=x&command=%2Fdeploy')
    const at = (now: number) => verifySlackSignature({ body, timestamp: String(now), signature: signSlackRequest(old, now, body) }, { secrets: [old], now })
    expect(at(NOW)).toMatchObject({ ok: true })
    expect(at(NOW + 1)).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it('reads a header by its whole name, not another of the same length', () => {
    // 'x-slack-signaturz' has the length of 'x-slack-signature'; 'x-slack-sig' shares its start.
    const raw = ['X-Slack-Signaturz', 'forged', 'x-slack-sig', 'short', 'X-Slack-Signature', 'v0=1']
    expect(rawHeaderValue(raw, 'x-slack-signature')).toBe('v0=1')
    expect(rawHeaderValue(['X-Slack-Signaturz', 'forged'], 'x-slack-signature')).toBeUndefined()
  })

  it('takes secrets as strings or from createSigningSecret, and refuses anything else', () => {
    const prepared = createSigningSecret(SECRET)
    expect(toSigningSecrets([SECRET, prepared])).toHaveLength(2)
    for (const bad of [null, 42, {}, { key: { type: 'public' } }, { key: undefined }]) {
      expect(() => toSigningSecrets([bad as unknown as SigningSecret])).toThrow(SigningSecretError)
    }
    expect(() => toSigningSecrets([])).toThrow(SigningSecretError)
  })

  it('refuses a notAfter that is not a date', () => {
    expect(() => createSigningSecret(SECRET, { notAfter: Number.NaN })).toThrow('signing secret notAfter is not a valid date')
    expect(() => createSigningSecret(SECRET, { notAfter: new Date('not a date') })).toThrow(SigningSecretError)
  })
})

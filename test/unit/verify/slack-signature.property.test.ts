import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSigningSecret } from '../../../src/verify/signing-secret.js'
import { signSlackRequest, verifySlackSignature } from '../../../src/verify/slack-signature.js'
import { NOW, SECRET } from '../../helpers/signing.js'

const secret = createSigningSecret(SECRET)
const opts = { secrets: [secret], now: NOW }

interface Request {
  body: Uint8Array
  timestamp: string
  signature: string
}

function sign(body: Uint8Array, ts: number): Request {
  return { body, timestamp: String(ts), signature: signSlackRequest(secret, ts, body) }
}

const hexDigit = fc.constantFrom(...'0123456789abcdef'.split(''))

// Every way one signed request can be changed by an attacker who lacks the secret.
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip-body-bit' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('append-body' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate-body' as const), by: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('shift-timestamp' as const), by: fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0) }),
  fc.record({ kind: fc.constant('change-signature-digit' as const), at: fc.integer({ min: 0, max: 63 }), digit: hexDigit }),
  fc.record({ kind: fc.constant('other-secret' as const), secret: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && s !== SECRET) }),
)

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function mutate(req: Request, m: Mutation): Request | undefined {
  switch (m.kind) {
    case 'flip-body-bit': {
      if (req.body.length === 0) return undefined
      const body = Uint8Array.from(req.body)
      const i = m.at % body.length
      body[i] = (body[i] as number) ^ (1 << m.bit)
      return { ...req, body }
    }
    case 'append-body':
      return { ...req, body: Buffer.concat([req.body, m.extra]) }
    case 'truncate-body':
      if (req.body.length === 0) return undefined
      return { ...req, body: req.body.subarray(0, Math.max(0, req.body.length - m.by)) }
    case 'shift-timestamp':
      return { ...req, timestamp: String(Number(req.timestamp) + m.by) }
    case 'change-signature-digit': {
      const hex = req.signature.slice(3)
      if (hex[m.at] === m.digit) return undefined
      return { ...req, signature: `v0=${hex.slice(0, m.at)}${m.digit}${hex.slice(m.at + 1)}` }
    }
    case 'other-secret':
      return { ...req, signature: signSlackRequest(createSigningSecret(m.secret), req.timestamp, req.body) }
  }
}

describe('verifySlackSignature: property', () => {
  it('a signed request verifies, and no single mutation of it ever does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: -300, max: 300 }), mutation, (body, skew, m) => {
        const original = sign(body, NOW + skew)
        expect(verifySlackSignature(original, opts).ok).toBe(true)
        const changed = mutate(original, m)
        fc.pre(changed !== undefined)
        expect(verifySlackSignature(changed as Request, opts).ok).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('arbitrary header strings never verify and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string(), fc.string(), (body, timestamp, signature) => {
        const result = verifySlackSignature({ body, timestamp, signature }, opts)
        expect(result.ok).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })
})

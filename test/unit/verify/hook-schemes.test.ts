import { createHash, createHmac, createSecretKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hookNonceKeys } from '../../../src/replay/nonce-keys.js'
import type { HeaderValue } from '../../../src/verify/header-value.js'
import {
  canonicalDigest,
  genericScheme,
  githubScheme,
  slackScheme,
  standardWebhooksScheme,
  stripeScheme,
  type DigestEncoding,
  type HookScheme,
} from '../../../src/verify/hook-schemes.js'
import { verifyHookSignature } from '../../../src/verify/hook-signature.js'

const NOW = 1_800_000_000
const SECRET = 'hook-scheme-secret-0123456789abcdef'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const BODY = '{"type":"thing.happened","id":"evt_1","n":1}'
const ID = 'msg_2Lx9'

const hmac = (scheme: HookScheme, secret: string, content: string) => createHmac(scheme.algorithm, scheme.keyBytes(secret)).update(content).digest()
const encode = (digest: Buffer, encoding: DigestEncoding) => (encoding === 'hex-upper' ? digest.toString('hex').toUpperCase() : digest.toString(encoding))

interface Case {
  readonly name: string
  readonly scheme: HookScheme
  readonly secret: string
  readonly encoding: DigestEncoding
  /** The signed content, and the headers for a digest written out. */
  readonly content: string
  readonly headers: (digestText: string) => Record<string, HeaderValue>
}

const generic = (encoding: DigestEncoding, algorithm: 'sha256' | 'sha512' = 'sha256') =>
  genericScheme({ header: 'X-Sig', prefix: 'sig=', algorithm, encoding, basestring: '{timestamp}:{id}:{body}', timestampHeader: 'X-Ts', idHeader: 'X-Id' })

/** Every scheme slackgate verifies, each with a request signed as its sender signs it. */
const CASES: readonly Case[] = [
  { name: 'slack', scheme: slackScheme, secret: SECRET, encoding: 'hex', content: `v0:${NOW}:${BODY}`, headers: (d) => ({ 'x-slack-signature': `v0=${d}`, 'x-slack-request-timestamp': String(NOW) }) },
  { name: 'github', scheme: githubScheme, secret: SECRET, encoding: 'hex', content: BODY, headers: (d) => ({ 'x-hub-signature-256': `sha256=${d}` }) },
  { name: 'stripe', scheme: stripeScheme, secret: SECRET, encoding: 'hex', content: `${NOW}.${BODY}`, headers: (d) => ({ 'stripe-signature': `t=${NOW},v1=${d}` }) },
  {
    name: 'standard-webhooks',
    scheme: standardWebhooksScheme,
    secret: SW_SECRET,
    encoding: 'base64',
    content: `${ID}.${NOW}.${BODY}`,
    headers: (d) => ({ 'webhook-id': ID, 'webhook-timestamp': String(NOW), 'webhook-signature': `v1,${d}` }),
  },
  ...(['hex', 'hex-upper', 'base64'] as const).map((encoding) => ({
    name: `generic ${encoding}`,
    scheme: generic(encoding),
    secret: SECRET,
    encoding,
    content: `${NOW}:${ID}:${BODY}`,
    headers: (d: string) => ({ 'x-sig': `sig=${d}`, 'x-ts': String(NOW), 'x-id': ID }),
  })),
  {
    name: 'generic base64 sha512',
    scheme: generic('base64', 'sha512'),
    secret: SECRET,
    encoding: 'base64',
    content: `${NOW}:${ID}:${BODY}`,
    headers: (d) => ({ 'x-sig': `sig=${d}`, 'x-ts': String(NOW), 'x-id': ID }),
  },
]

function verify(c: Case, headers: Record<string, HeaderValue>, secrets: readonly string[] = [c.secret]) {
  return verifyHookSignature(
    { body: Buffer.from(BODY), header: (name) => headers[name] },
    c.scheme,
    { secrets: secrets.map((s) => ({ key: createSecretKey(c.scheme.keyBytes(s)) })), now: NOW, toleranceSeconds: 300 },
  )
}

describe.each(CASES)('$name', (c) => {
  const digest = hmac(c.scheme, c.secret, c.content)

  it('verifies the canonical spelling, and returns the HMAC and the digest of the signed content', () => {
    expect(verify(c, c.headers(encode(digest, c.encoding)))).toMatchObject({ ok: true, mac: digest, contentHash: createHash('sha256').update(c.content).digest() })
  })

  // Fixed, not random: every position, so that a comparison skipping any byte (the last one,
  // say) fails here every run.
  it('refuses the digest with any one byte changed', () => {
    for (let i = 0; i < digest.length; i++) {
      const flipped = Buffer.from(digest)
      flipped[i] = (flipped[i] as number) ^ 0xff
      expect([i, verify(c, c.headers(encode(flipped, c.encoding)))]).toEqual([i, { ok: false, reason: 'signature_mismatch' }])
    }
  })

  it('refuses the digest shortened by its last byte', () => {
    expect(verify(c, c.headers(encode(digest.subarray(0, -1), c.encoding)))).toEqual({ ok: false, reason: 'malformed_signature' })
  })
})

/** Other spellings of one digest that a lenient decoder reads as the same bytes. */
function respellings(digest: Buffer, encoding: DigestEncoding): string[] {
  if (encoding === 'hex') return [digest.toString('hex').toUpperCase(), mixedCase(digest.toString('hex')), ` ${digest.toString('hex')}`]
  if (encoding === 'hex-upper') return [digest.toString('hex'), mixedCase(digest.toString('hex'))]
  const b64 = digest.toString('base64')
  const bare = b64.replace(/=+$/, '')
  const out = [bare, digest.toString('base64url'), `${b64}\n`]
  // The unused low bits of the last character are set: the same bytes decode from it.
  const last = bare.at(-1) as string
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  out.push(`${bare.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}${b64.slice(bare.length)}`)
  return out.filter((s) => s !== b64)
}

function mixedCase(hex: string): string {
  return [...hex].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch)).join('')
}

describe.each(CASES)('$name accepts only the canonical spelling', (c) => {
  const digest = hmac(c.scheme, c.secret, c.content)
  it.each(respellings(digest, c.encoding))('refuses %j as malformed_signature', (text) => {
    // A lenient decoder reads the very same bytes from it.
    expect(Buffer.from(text.trim(), c.encoding === 'base64' ? 'base64' : 'hex')).toEqual(digest)
    expect(verify(c, c.headers(text))).toEqual({ ok: false, reason: 'malformed_signature' })
  })
})

describe('canonicalDigest', () => {
  const digest = Buffer.from('00ff10a0'.repeat(8), 'hex')
  it.each([
    ['hex', digest.toString('hex'), true],
    ['hex', digest.toString('hex').toUpperCase(), false],
    ['hex-upper', digest.toString('hex').toUpperCase(), true],
    ['base64', digest.toString('base64'), true],
    ['base64', digest.toString('base64').replace(/=+$/, ''), false],
    ['base64', digest.toString('base64url'), false],
  ] as const)('%s %s: %s', (encoding, text, ok) => {
    expect(canonicalDigest(text, encoding, 32)?.equals(digest) ?? false).toBe(ok)
  })
})

describe('the replay key of a webhook', () => {
  it('is the same whichever secret verified it (Stripe lists one v1 per secret during a roll)', () => {
    const stripe = CASES.find((c) => c.name === 'stripe') as Case
    const older = 'hook-scheme-older-secret-0123456789'
    const a = hmac(stripe.scheme, SECRET, stripe.content).toString('hex')
    const b = hmac(stripe.scheme, older, stripe.content).toString('hex')
    const both = verify(stripe, { 'stripe-signature': `t=${NOW},v1=${a},v1=${b}` }, [SECRET, older])
    const onlyOld = verify(stripe, { 'stripe-signature': `t=${NOW},v1=${b}` }, [SECRET, older])
    if (!both.ok || !onlyOld.ok) throw new Error('expected both to verify')
    expect([both.secretIndex, onlyOld.secretIndex]).toEqual([0, 1])
    expect(hookNonceKeys('stripe', onlyOld.contentHash)).toEqual(hookNonceKeys('stripe', both.contentHash))
  })

  it('is the digest of the signed content, never the header text; a signed id is the primary key', () => {
    const hash = createHash('sha256').update(BODY).digest()
    expect(hookNonceKeys('github', hash)).toEqual({ primary: `hook-signed:github:${hash.toString('base64url')}`, others: [] })
    expect(hookNonceKeys('svix', hash, 'msg_1')).toEqual({ primary: 'hook:svix:msg_1', others: [`hook-signed:svix:${hash.toString('base64url')}`] })
  })
})

describe('GitHub', () => {
  it('signs neither the event nor the delivery id: they are unsigned headers, not the id', () => {
    expect(githubScheme.idHeader).toBeUndefined()
    expect(githubScheme.unsignedHeaders).toEqual(['x-github-event', 'x-github-delivery'])
    const c = CASES.find((x) => x.name === 'github') as Case
    const sig = c.headers(hmac(c.scheme, SECRET, BODY).toString('hex'))
    const result = verify(c, { ...sig, 'x-github-delivery': 'd-1', 'x-github-event': 'push' })
    expect(result.ok && result.id).toBe(undefined)
    expect(verify(c, { ...sig, 'x-github-event': ['push', 'release'] })).toEqual({ ok: false, reason: 'duplicate_header' })
  })
})

describe('genericScheme', () => {
  it.each([
    [{ timestampHeader: 'X-Ts' }, '{body}', /timestampHeader is not signed/],
    [{ idHeader: 'X-Id' }, '{timestamp}.{body}', /idHeader is not signed/],
  ])('refuses a header outside the basestring (%j)', (headers, basestring, message) => {
    expect(() => genericScheme({ header: 'X-Sig', prefix: '', algorithm: 'sha256', encoding: 'hex', basestring, timestampHeader: 'X-Ts', ...headers })).toThrow(message)
  })
})

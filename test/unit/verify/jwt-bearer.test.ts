import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, SignJWT, type JWK } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJwtVerifier, type JwtVerifierOptions } from '../../../src/verify/jwt-bearer.js'

const NOW = 1_760_000_000 // epoch seconds
const now = () => NOW * 1000
const SECRET = new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!')
const ISS = 'https://idp.example'
const AUD = 'slackgate'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ed = generateKeyPairSync('ed25519')
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 })

async function jwk(key: KeyObject, kid: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid }
}

interface Mint {
  alg?: string
  key?: KeyObject | Uint8Array
  kid?: string
  claims?: Record<string, unknown>
  iat?: number | null
  exp?: number | null
}

/** A token signed with jose, claims defaulting to a valid one. */
async function mint({ alg = 'RS256', key = rsa.privateKey, kid = 'rsa-1', claims = {}, iat = NOW, exp = NOW + 300 }: Mint = {}) {
  const jwt = new SignJWT({ iss: ISS, aud: AUD, sub: 'svc-payments', jti: `t-${Math.random()}`, scope: 'payments:approve read', ...claims })
  jwt.setProtectedHeader({ alg, kid })
  if (iat !== null) jwt.setIssuedAt(iat)
  if (exp !== null) jwt.setExpirationTime(exp)
  return `Bearer ${await jwt.sign(key)}`
}

function verifier(options: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({ algorithms: ['RS256'], issuer: ISS, audience: AUD, now, ...options })
}

let rsaKeys: JWK[]
beforeAll(async () => {
  rsaKeys = [await jwk(rsa.publicKey, 'rsa-1')]
})

describe('createJwtVerifier', () => {
  it('accepts a valid token and returns the caller identity', async () => {
    const verdict = await verifier({ publicKeys: rsaKeys })(await mint())
    expect(verdict).toMatchObject({
      ok: true,
      identity: { subject: 'svc-payments', issuer: ISS, audience: AUD, scopes: ['payments:approve', 'read'], issuedAt: NOW, expiresAt: NOW + 300 },
    })
  })

  it.each([
    ['missing_token', undefined],
    ['missing_token', ''],
    ['missing_token', 'Basic dXNlcjpwYXNz'],
    ['malformed_token', 'Bearer not-a-jwt'],
    ['malformed_token', 'Bearer a.b.c'],
    ['malformed_token', ['Bearer a.b.c', 'Bearer d.e.f']],
    ['malformed_token', `Bearer ${'a'.repeat(9000)}.b.c`],
  ] as const)('answers %s for the header %.40j', async (reason, header) => {
    expect(await verifier({ publicKeys: rsaKeys })(header as string | string[] | undefined)).toEqual({ ok: false, reason })
  })

  it('bad_signature: signed by another key with the same kid', async () => {
    expect(await verifier({ publicKeys: rsaKeys })(await mint({ key: otherRsa.privateKey }))).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('bad_signature: a payload changed after signing', async () => {
    const [h, p, s] = (await mint()).slice(7).split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')
    expect(await verifier({ publicKeys: rsaKeys })(`Bearer ${h}.${forged}.${s}`)).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('expired, and accepted within the clock tolerance', async () => {
    const v = verifier({ publicKeys: rsaKeys, clockToleranceSeconds: 30 })
    expect(await v(await mint({ iat: NOW - 600, exp: NOW - 31 }))).toEqual({ ok: false, reason: 'expired' })
    expect((await v(await mint({ iat: NOW - 600, exp: NOW - 29 }))).ok).toBe(true)
  })

  it('not_yet_valid: nbf or iat in the future beyond the tolerance', async () => {
    const v = verifier({ publicKeys: rsaKeys })
    expect(await v(await mint({ claims: { nbf: NOW + 60 } }))).toEqual({ ok: false, reason: 'not_yet_valid' })
    expect(await v(await mint({ iat: NOW + 60, exp: NOW + 300 }))).toEqual({ ok: false, reason: 'not_yet_valid' })
    expect((await v(await mint({ claims: { nbf: NOW + 10 } }))).ok).toBe(true)
  })

  it('wrong_issuer and wrong_audience', async () => {
    const v = verifier({ publicKeys: rsaKeys })
    expect(await v(await mint({ claims: { iss: 'https://evil.example' } }))).toEqual({ ok: false, reason: 'wrong_issuer' })
    expect(await v(await mint({ claims: { aud: 'someone-else' } }))).toEqual({ ok: false, reason: 'wrong_audience' })
  })

  it('missing_claim: exp always; jti when single-use', async () => {
    expect(await verifier({ publicKeys: rsaKeys })(await mint({ exp: null }))).toEqual({ ok: false, reason: 'missing_claim' })
    const singleUse = verifier({ publicKeys: rsaKeys, requireJti: true })
    expect(await singleUse(await mint({ claims: { jti: undefined } }))).toEqual({ ok: false, reason: 'missing_claim' })
  })

  it('token_too_long_lived: exp - iat over the maximum, or without iat, a remaining life over it', async () => {
    const v = verifier({ publicKeys: rsaKeys, maxLifetimeSeconds: 600 })
    expect(await v(await mint({ exp: NOW + 601 }))).toEqual({ ok: false, reason: 'token_too_long_lived' })
    expect(await v(await mint({ iat: null, exp: NOW + 601 }))).toEqual({ ok: false, reason: 'token_too_long_lived' })
    expect((await v(await mint({ exp: NOW + 600 }))).ok).toBe(true)
  })

  it('unknown_kid: no configured key has the kid the token names', async () => {
    expect(await verifier({ publicKeys: rsaKeys })(await mint({ kid: 'rsa-2' }))).toEqual({ ok: false, reason: 'unknown_kid' })
  })

  it('insufficient_scope: every required scope, from scope or scp', async () => {
    const v = verifier({ publicKeys: rsaKeys, requiredScopes: ['payments:approve', 'payments:write'] })
    expect(await v(await mint())).toEqual({ ok: false, reason: 'insufficient_scope' })
    expect((await v(await mint({ claims: { scope: undefined, scp: ['payments:approve', 'payments:write'] } }))).ok).toBe(true)
    expect((await v(await mint({ claims: { scope: 'payments:write', scp: ['payments:approve'] } }))).ok).toBe(true)
  })

  describe('algorithm confusion', () => {
    it('refuses alg none', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
      const body = Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, exp: NOW + 60, iat: NOW })).toString('base64url')
      expect(await verifier({ publicKeys: rsaKeys })(`Bearer ${header}.${body}.`)).toEqual({ ok: false, reason: 'alg_not_allowed' })
    })

    it('refuses HS256 signed with the RSA public key as the HMAC secret', async () => {
      const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rsa-1' })).toString('base64url')
      const body = Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, exp: NOW + 60, iat: NOW })).toString('base64url')
      const sig = createHmac('sha256', pem).update(`${header}.${body}`).digest('base64url')
      const token = `Bearer ${header}.${body}.${sig}`
      expect(await verifier({ publicKeys: rsaKeys })(token)).toEqual({ ok: false, reason: 'alg_not_allowed' })
      // Even where HS256 is allowed, only its own secret is tried, never the public key.
      const both = verifier({ algorithms: ['HS256', 'RS256'], secret: SECRET, publicKeys: rsaKeys })
      expect(await both(token)).toEqual({ ok: false, reason: 'bad_signature' })
    })

    it('refuses EdDSA where only RS256 is allowed, even with a valid Ed25519 key configured', async () => {
      const keys = [...rsaKeys, await jwk(ed.publicKey, 'ed-1')]
      const token = await mint({ alg: 'EdDSA', key: ed.privateKey, kid: 'ed-1' })
      expect(await verifier({ publicKeys: keys })(token)).toEqual({ ok: false, reason: 'alg_not_allowed' })
      expect((await verifier({ algorithms: ['RS256', 'EdDSA'], publicKeys: keys })(token)).ok).toBe(true)
    })

    it('never tries a public key for an algorithm of another family (an ES256 token naming the RSA key kid)', async () => {
      const v = verifier({ algorithms: ['RS256', 'ES256'], publicKeys: rsaKeys })
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      expect(await v(await mint({ alg: 'ES256', key: ec.privateKey, kid: 'rsa-1' }))).toEqual({ ok: false, reason: 'unknown_kid' })
    })
  })

  describe('interop with jsonwebtoken', () => {
    it('accepts a valid HS256 token it minted', async () => {
      const token = jsonwebtoken.sign({ sub: 'wf', jti: 'j1', scope: 'run' }, Buffer.from(SECRET), {
        algorithm: 'HS256',
        issuer: ISS,
        audience: AUD,
        expiresIn: 60,
        notBefore: 0,
      })
      const v = createJwtVerifier({ algorithms: ['HS256'], secret: SECRET, issuer: ISS, audience: AUD, requireJti: true })
      expect(await v(`Bearer ${token}`)).toMatchObject({ ok: true, identity: { subject: 'wf', tokenId: 'j1', scopes: ['run'] } })
    })

    it('accepts a valid RS256 token it minted with a kid, and refuses one it minted too long-lived', async () => {
      const key = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })
      const sign = (expiresIn: number) =>
        `Bearer ${jsonwebtoken.sign({ sub: 'wf' }, key, { algorithm: 'RS256', keyid: 'rsa-1', issuer: ISS, audience: AUD, expiresIn })}`
      const v = createJwtVerifier({ algorithms: ['RS256'], publicKeys: rsaKeys, issuer: ISS, audience: AUD, maxLifetimeSeconds: 300 })
      expect((await v(sign(120))).ok).toBe(true)
      expect(await v(sign(3600))).toEqual({ ok: false, reason: 'token_too_long_lived' })
    })
  })

  describe('remote key set', () => {
    let server: Server
    let keys: JWK[] = []
    let up = true
    let fetches = 0
    let url: URL
    beforeAll(async () => {
      server = createServer((req, res) => {
        fetches++
        if (!up) return void res.destroy()
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ keys }))
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`)
    })
    afterAll(() => new Promise<void>((r) => server.close(() => r())))

    it('fetches the key set, and a new kid without a restart once the cooldown passed', async () => {
      keys = [...rsaKeys]
      up = true
      const v = createJwtVerifier({ algorithms: ['RS256'], jwks: { url, cooldownMs: 50 }, issuer: ISS, audience: AUD, now })
      expect(await v(await mint())).toMatchObject({ ok: true })
      const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 })
      keys = [...rsaKeys, await jwk(rotated.publicKey, 'rsa-2')]
      await new Promise((r) => setTimeout(r, 60))
      const before = fetches
      expect(await v(await mint({ key: rotated.privateKey, kid: 'rsa-2' }))).toMatchObject({ ok: true })
      expect(fetches).toBe(before + 1)
    })

    it('jwks_unavailable when the key set cannot be fetched: fail closed', async () => {
      up = false
      const v = createJwtVerifier({ algorithms: ['RS256'], jwks: { url, timeoutMs: 500 }, issuer: ISS, audience: AUD, now })
      expect(await v(await mint())).toEqual({ ok: false, reason: 'jwks_unavailable' })
      up = true
    })

    it('refuses a plain-http key set anywhere but loopback', () => {
      expect(() => createJwtVerifier({ algorithms: ['RS256'], jwks: { url: new URL('http://idp.example/jwks') }, issuer: ISS, audience: AUD })).toThrow(
        /https/,
      )
    })
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jwtVerify, createLocalJWKSet, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { rotateKeyFile } from '../../../src/keys/key-file.js'
import { openSigningKeys } from '../../../src/keys/signing-keys.js'

const sign = async (keys: Awaited<ReturnType<typeof openSigningKeys>>) => {
  const k = keys.signer()
  return new SignJWT({}).setProtectedHeader({ alg: k.alg, kid: k.kid }).setExpirationTime('1m').sign(k.privateKey)
}

describe('openSigningKeys', () => {
  it('supplied PEM and JWK private keys: the first signs, all are published without private members', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const jwk = { ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'second' }
    const keys = await openSigningKeys({ kind: 'supplied', algorithm: 'EdDSA', keys: [{ text: pem }, { text: JSON.stringify(jwk) }] })
    const published = keys.jwks().keys
    expect(published.map((k) => k.kid)).toEqual([keys.signer().kid, 'second'])
    for (const k of published) expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
    await expect(jwtVerify(await sign(keys), createLocalJWKSet(keys.jwks()))).resolves.toBeDefined()
  })

  it('refuses a supplied public key, and a key of another type than the algorithm', async () => {
    const pub = JSON.stringify(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }))
    await expect(openSigningKeys({ kind: 'supplied', algorithm: 'EdDSA', keys: [{ text: pub }] })).rejects.toThrow(/private/)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    await expect(openSigningKeys({ kind: 'supplied', algorithm: 'EdDSA', keys: [{ text: rsa }] })).rejects.toThrow()
  })

  it('a key file: generated on first open, rotated keys picked up on refresh, retired ones dropped at their time', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'slackgate-keys-')), KEY)
    let now = Date.parse('2026-01-01T00:00:00Z')
    const keys = await openSigningKeys({ kind: 'file', path, algorithm: 'RS256' }, { now: () => now, refreshMs: 0 })
    const first = keys.signer()
    expect(first.alg).toBe('RS256')
    const { added } = await rotateKeyFile(path, 'EdDSA', 60, new Date(now))
    await keys.refresh()
    expect(keys.signer().kid).toBe(added.kid)
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([first.kid, added.kid])
    now += 61_000
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([added.kid])
    keys.close()
  })
})

const KEY = 'signing-keys.json'

describe('a malformed supplied key', () => {
  // Looks like a key, is not one: every parser has a reason to quote it.
  const malformed = [
    '{"kty":"OKP","crv":"Ed25519","d":c2VjcmV0LXByaXZhdGUtbWF0ZXJpYWw}',
    '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHNlY3JldC1wcml2YXRlLW1hdGVyaWFs\n-----END PRIVATE KEY-----',
    'c2VjcmV0LXByaXZhdGUtbWF0ZXJpYWwtd2l0aG91dC1hbnktZnJhbWluZw',
  ]
  const echoes = (message: string, key: string) => {
    for (let i = 0; i + 4 <= key.length; i++) if (message.includes(key.slice(i, i + 4))) return key.slice(i, i + 4)
    return undefined
  }

  it.each(malformed)('is refused without echoing any 4 characters of it (%#)', async (text) => {
    const err = await openSigningKeys({ kind: 'supplied', algorithm: 'EdDSA', keys: [{ text }] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/^tokens\.keys\[0\] is not a private EdDSA key/)
    expect(echoes(err?.message ?? '', text)).toBeUndefined()
  })
})

import { randomBytes, scryptSync } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { dummyVerify, hashPassword, parsePasswordHash, passwordLengthProblem, verifyPassword } from '../../../src/admin/security/password.js'

const PASSWORD = 'correct horse battery staple'
const ENCODED = /^scrypt\$17\$8\$1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/

/** An encoding of PASSWORD with the right key for the given parameters (below the minimum, for the refusals). */
function encodeWith(log2N: number, r: number, p: number, password = PASSWORD): string {
  const salt = randomBytes(16)
  const key = scryptSync(password, salt, 32, { N: 2 ** log2N, r, p, maxmem: 256 * 1024 * 1024 })
  return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** `encoded` with one character of its salt (field 4) or key (field 5) changed, still canonical base64url. */
function tamper(encoded: string, field: 4 | 5): string {
  const parts = encoded.split('$')
  const bytes = Buffer.from(parts[field] as string, 'base64url')
  bytes[0] = (bytes[0] as number) ^ 1
  parts[field] = bytes.toString('base64url')
  return parts.join('$')
}

let encoded: string
beforeAll(async () => {
  encoded = await hashPassword(PASSWORD)
})

describe('hashPassword and verifyPassword', () => {
  it('encode scrypt N=2^17, r=8, p=1 with a 16-byte salt and a 32-byte key, and verify the password', async () => {
    expect(encoded).toMatch(ENCODED)
    const parsed = parsePasswordHash(encoded)
    expect(parsed).toMatchObject({ ok: true, hash: { params: { log2N: 17, r: 8, p: 1 } } })
    if (parsed.ok) {
      expect(parsed.hash.salt).toHaveLength(16)
      expect(parsed.hash.key).toHaveLength(32)
    }
    expect(await verifyPassword(PASSWORD, encoded)).toBe(true)
  })

  it('salts each hash afresh', async () => {
    const again = await hashPassword(PASSWORD)
    expect(again).not.toBe(encoded)
    expect(again.split('$')[4]).not.toBe(encoded.split('$')[4])
  })

  it('refuse a wrong password, and one differing only in case or by a character', async () => {
    expect(await verifyPassword('correct horse battery stapl', encoded)).toBe(false)
    expect(await verifyPassword('Correct horse battery staple', encoded)).toBe(false)
    expect(await verifyPassword('', encoded)).toBe(false)
  })

  it('refuse a tampered salt or key', async () => {
    expect(await verifyPassword(PASSWORD, tamper(encoded, 4))).toBe(false)
    expect(await verifyPassword(PASSWORD, tamper(encoded, 5))).toBe(false)
  })

  it('refuse a hash below the minimum parameters, even with the right key', async () => {
    const weak = encodeWith(14, 8, 1)
    expect(parsePasswordHash(weak)).toMatchObject({ ok: false })
    expect(await verifyPassword(PASSWORD, weak)).toBe(false)
    expect(parsePasswordHash(encodeWith(17, 4, 1))).toMatchObject({ ok: false, problem: expect.stringContaining('below') })
    expect(parsePasswordHash(encoded.replace('$1$', '$0$'))).toMatchObject({ ok: false, problem: expect.stringContaining('below') })
  })

  it('refuse parameters too costly to check (memory above 256 MiB, p above 16)', () => {
    expect(parsePasswordHash(encoded.replace('scrypt$17$', 'scrypt$20$'))).toMatchObject({ ok: false, problem: expect.stringContaining('costly') })
    expect(parsePasswordHash(encoded.replace('$8$1$', '$8$17$'))).toMatchObject({ ok: false, problem: expect.stringContaining('costly') })
  })

  it('refuse what is not the encoding, without quoting it', () => {
    for (const bad of ['', 'not-a-hash', `argon2$${encoded.slice(7)}`, `${encoded}$`, encoded.slice(0, -1), `${encoded}A`, encoded.replace('$17$', '$017$')]) {
      const parsed = parsePasswordHash(bad)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok && bad !== '') expect(parsed.problem).not.toContain(bad)
    }
    // The key's last character carries two unused bits: only the canonical spelling is read.
    const parts = encoded.split('$')
    const key = parts[5] as string
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(key.slice(-1))
    parts[5] = key.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]
    expect(parsePasswordHash(parts.join('$'))).toMatchObject({ ok: false, problem: expect.stringContaining('canonical') })
  })

  it('run several checks at once, each with its own answer (they queue for the two hashing slots)', async () => {
    const guesses = [PASSWORD, 'wrong password 1', PASSWORD, 'wrong password 2', PASSWORD]
    expect(await Promise.all(guesses.map((g) => verifyPassword(g, encoded)))).toEqual([true, false, true, false, true])
  })

  it('verify false, not throw, on an unreadable hash', async () => {
    expect(await verifyPassword(PASSWORD, 'not-a-hash')).toBe(false)
  })
})

describe('password length', () => {
  it('refuses under 12 or over 1024 characters at hash time, without quoting the password', async () => {
    await expect(hashPassword('elevenchars')).rejects.toThrow(RangeError)
    await expect(hashPassword('elevenchars')).rejects.not.toThrow(/elevenchars/)
    await expect(hashPassword('x'.repeat(1025))).rejects.toThrow(/at most 1024/)
    expect(passwordLengthProblem('twelve chars')).toBeUndefined()
    expect(passwordLengthProblem('x'.repeat(1024))).toBeUndefined()
  })

  it('counts characters, not UTF-16 units', () => {
    // Six emoji are twelve UTF-16 units but six characters.
    expect(passwordLengthProblem('🔑'.repeat(6))).toMatch(/at least 12/)
    expect(passwordLengthProblem('🔑'.repeat(12))).toBeUndefined()
  })

  it('verifies an over-long password as false', async () => {
    expect(await verifyPassword(`${PASSWORD}${'x'.repeat(1024)}`, encoded)).toBe(false)
  })

  it('treats two Unicode spellings of one password as the same (NFKC)', async () => {
    const composed = 'caf\u00e9-password-1'
    const decomposed = 'cafe\u0301-password-1'
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true)
  })
})

describe('dummyVerify', () => {
  it('is false whatever the password, also the one of a real hash, with its parameters or the default', async () => {
    expect(await dummyVerify(PASSWORD)).toBe(false)
    expect(await dummyVerify(PASSWORD, encoded)).toBe(false)
    expect(await dummyVerify('x'.repeat(5000))).toBe(false)
  })
})

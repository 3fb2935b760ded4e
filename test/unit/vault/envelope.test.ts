import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { masterKeyId, newDataKey, openToken, sealToken, unwrapDataKey, wrapDataKey, type TokenSlot } from '../../../src/vault/envelope.js'
import { lockRetryDelayMs } from '../../../src/vault/lock-wait.js'
import { masterKeyProblem, parseMasterKey } from '../../../src/vault/master-key.js'

const slot: TokenSlot = { installation: 'team:T1', kind: 'bot', field: 'token' }

describe('envelope', () => {
  it('seals with a fresh nonce each time, and opens only in its own slot', () => {
    const key = newDataKey()
    const a = sealToken(key, 'xoxb-secret', slot)
    const b = sealToken(key, 'xoxb-secret', slot)
    expect(a).not.toBe(b)
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/)
    // 12-byte nonce + 16-byte tag + the token's bytes.
    expect(Buffer.from(a.slice(3), 'base64url').length).toBe(12 + 16 + 'xoxb-secret'.length)
    expect(openToken(key, a, slot)).toBe('xoxb-secret')
    for (const other of [
      { ...slot, installation: 'team:T2' },
      { ...slot, kind: 'user' as const },
      { ...slot, field: 'refreshToken' as const },
    ]) {
      expect(() => openToken(key, a, other)).toThrow(expect.objectContaining({ code: 'token_decrypt_failed' }))
    }
    expect(() => openToken(newDataKey(), a, slot)).toThrow(expect.objectContaining({ code: 'token_decrypt_failed' }))
  })

  it('refuses a truncated tag, a malformed value and another version', () => {
    const key = newDataKey()
    const raw = Buffer.from(sealToken(key, 'xoxb-secret', slot).slice(3), 'base64url')
    for (const bad of [`v1.${raw.subarray(0, 20).toString('base64url')}`, 'v1.', 'v2.' + raw.toString('base64url'), 'xoxb-secret']) {
      expect(() => openToken(key, bad, slot)).toThrow(expect.objectContaining({ code: 'token_decrypt_failed' }))
    }
  })

  it('wraps the data key under the master key, naming it by id; another master key is vault_key_mismatch', () => {
    const master = randomBytes(32)
    const data = newDataKey()
    const wrapped = wrapDataKey(data, master)
    expect(wrapped.masterKeyId).toBe(masterKeyId(master))
    expect(wrapped.masterKeyId).toMatch(/^[0-9a-f]{16}$/)
    expect(wrapped.wrapped).not.toContain(data.toString('base64url'))
    expect(unwrapDataKey(wrapped, master).equals(data)).toBe(true)
    const other = randomBytes(32)
    expect(() => unwrapDataKey(wrapped, other)).toThrow(expect.objectContaining({ code: 'vault_key_mismatch', masterKeyId: masterKeyId(other), expectedMasterKeyId: wrapped.masterKeyId }))
    const altered = { ...wrapped, wrapped: wrapped.wrapped.slice(0, -2) + (wrapped.wrapped.endsWith('A') ? 'BB' : 'AA') }
    expect(() => unwrapDataKey(altered, master)).toThrow(expect.objectContaining({ code: 'token_decrypt_failed', slot: 'data_key' }))
  })

  it('a master key is 32 bytes of base64; anything else is vault_key_invalid, never quoted', () => {
    const good = randomBytes(32).toString('base64')
    expect(masterKeyProblem(good)).toBeUndefined()
    expect(parseMasterKey(`${good}\n`, 'SLACKGATE_MASTER_KEY').length).toBe(32)
    for (const bad of [randomBytes(16).toString('base64'), 'not a key at all!', randomBytes(32).toString('hex')]) {
      let err: unknown
      try {
        parseMasterKey(bad, 'SLACKGATE_MASTER_KEY')
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ code: 'vault_key_invalid' })
      expect((err as Error).message).toContain('SLACKGATE_MASTER_KEY')
      expect((err as Error).message).not.toContain(bad)
    }
  })

  it('lock waiters back off from 5 ms to at most 100 ms, with jitter', () => {
    expect(lockRetryDelayMs(0, 0)).toBe(3)
    expect(lockRetryDelayMs(0, 1)).toBe(5)
    expect(lockRetryDelayMs(3, 1)).toBe(40)
    expect(lockRetryDelayMs(50, 1)).toBe(100)
    expect(lockRetryDelayMs(50, 0)).toBe(50)
  })
})

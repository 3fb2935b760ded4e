import { describe, expect, it } from 'vitest'
import { ExpiringKeys } from '../../../src/storage/expiring-keys.js'

describe('ExpiringKeys', () => {
  it('claims a key once while it is live, and again once it expired', () => {
    const keys = new ExpiringKeys(10)
    expect(keys.claim('a', 0, 1000)).toBe('first')
    expect(keys.claim('a', 999, 2000)).toBe('duplicate')
    expect(keys.claim('a', 1000, 2000)).toBe('first')
  })

  it('refuses a new key when full of live keys, and makes room from expired ones', () => {
    const keys = new ExpiringKeys(2)
    keys.claim('a', 0, 100)
    keys.claim('b', 0, 500)
    expect(keys.claim('c', 50, 600)).toBe('full')
    expect(keys.claim('c', 100, 600)).toBe('first')
    expect(keys.size).toBe(2)
  })

  it('sweeps the whole set when TTLs differ, not only from the front', () => {
    const keys = new ExpiringKeys(10)
    keys.claim('long', 0, 10_000)
    keys.claim('short', 0, 10)
    keys.sweep(20)
    expect(keys.size).toBe(2)
    keys.sweep(20, true)
    expect(keys.size).toBe(1)
    expect(keys.expiryOf('short')).toBeUndefined()
  })

  it('restores the later of two records of one key', () => {
    const keys = new ExpiringKeys(10)
    keys.restore('a', 500)
    keys.restore('a', 300)
    expect(keys.expiryOf('a')).toBe(500)
    keys.forget('a')
    expect(keys.claim('a', 0, 100)).toBe('first')
  })
})

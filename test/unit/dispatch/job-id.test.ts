import { describe, expect, it } from 'vitest'
import { newJobId } from '../../../src/dispatch/job-id.js'

describe('newJobId', () => {
  it('is a version 7 UUID with the RFC 9562 variant', () => {
    expect(newJobId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('sorts by its millisecond timestamp', () => {
    const ids = [1_800_000_000_000, 1_800_000_000_001, 1_900_000_000_000].map((t) => newJobId(t))
    expect([...ids].sort()).toEqual(ids)
    expect(ids[0]?.slice(0, 13)).toBe((1_800_000_000_000).toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-'))
  })

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newJobId(1_800_000_000_000)))
    expect(ids.size).toBe(10_000)
  })
})

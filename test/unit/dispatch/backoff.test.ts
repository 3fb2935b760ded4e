import { describe, expect, it } from 'vitest'
import { retryDelayMs } from '../../../src/dispatch/backoff.js'

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 }

describe('retryDelayMs', () => {
  it('doubles per attempt, with equal jitter between half and all of the ceiling', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(500)
    expect(retryDelayMs(1, policy, () => 0.999999)).toBe(1000)
    expect(retryDelayMs(2, policy, () => 0)).toBe(1000)
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(3000)
  })

  it('is capped', () => {
    expect(retryDelayMs(30, policy, () => 0.999999)).toBe(60_000)
    expect(retryDelayMs(1000, policy, () => 0)).toBe(30_000)
  })
})

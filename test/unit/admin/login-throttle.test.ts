import { describe, expect, it } from 'vitest'
import { createLoginThrottle } from '../../../src/admin/security/login-throttle.js'

const IP = '203.0.113.7'

function setup(options: Parameters<typeof createLoginThrottle>[0] = {}) {
  let t = 1_800_000_000_000
  const throttle = createLoginThrottle({ now: () => t, ...options })
  return {
    throttle,
    advance: (seconds: number) => (t += seconds * 1000),
    /** Fails `n` times, returning the last result. */
    failTimes: (n: number, name = 'alice', ip = IP) => {
      let last = throttle.fail(name, ip)
      for (let i = 1; i < n; i++) last = throttle.fail(name, ip)
      return last
    },
  }
}

describe('login throttle', () => {
  it('allows four failures and locks the name at the fifth, for 30 s', () => {
    const { throttle, failTimes, advance } = setup()
    expect(failTimes(4)).toEqual({ lockedNow: false })
    expect(throttle.check('alice', IP)).toEqual({ allowed: true })
    expect(throttle.fail('alice', IP)).toEqual({ lockedNow: true, lockSeconds: 30 })
    expect(throttle.check('alice', IP)).toMatchObject({ allowed: false, retryAfterSeconds: 30, reason: 'admin_locked_out' })
    advance(29)
    expect(throttle.check('alice', IP)).toMatchObject({ allowed: false, retryAfterSeconds: 1 })
    advance(1)
    expect(throttle.check('alice', IP)).toEqual({ allowed: true })
  })

  it('locks for longer each time, doubling up to 15 minutes and no further', () => {
    const { throttle, failTimes, advance } = setup()
    const locks: Array<number | undefined> = []
    for (let i = 0; i < 8; i++) {
      const result = failTimes(5)
      locks.push(result.lockSeconds)
      advance(result.lockSeconds ?? 0)
    }
    expect(locks).toEqual([30, 60, 120, 240, 480, 900, 900, 900])
    // Locked, it can be tried again after the cap at the latest: never locked for good.
    failTimes(5)
    expect(throttle.check('alice', IP)).toMatchObject({ allowed: false, retryAfterSeconds: 900 })
    advance(900)
    expect(throttle.check('alice', IP)).toEqual({ allowed: true })
  })

  it('does not count (or extend the lock for) failures while locked', () => {
    const { throttle, failTimes, advance } = setup()
    failTimes(5)
    advance(10)
    expect(failTimes(10)).toEqual({ lockedNow: false })
    expect(throttle.check('alice', IP)).toMatchObject({ retryAfterSeconds: 20 })
  })

  it('starts afresh after a success: failures and lockout history', () => {
    const { throttle, failTimes, advance } = setup()
    failTimes(5)
    advance(30)
    failTimes(4)
    throttle.succeed('alice', IP)
    expect(failTimes(4)).toEqual({ lockedNow: false })
    throttle.succeed('alice', IP)
    // The next lockout is the first again: 30 s, not 60.
    expect(failTimes(5)).toEqual({ lockedNow: true, lockSeconds: 30 })
  })

  it('counts a name in any case as one account, and other names apart', () => {
    const { throttle, failTimes } = setup()
    failTimes(3, 'Alice')
    failTimes(2, 'ALICE')
    expect(throttle.check('alice', IP)).toMatchObject({ allowed: false, reason: 'admin_locked_out' })
    expect(throttle.check('bob', '198.51.100.1')).toEqual({ allowed: true })
  })

  it('counts failures per address across names, and locks the address (password spraying)', () => {
    const { throttle, advance } = setup()
    for (let i = 0; i < 19; i++) expect(throttle.fail(`user${i}`, IP)).toEqual({ lockedNow: false })
    expect(throttle.fail('user19', IP)).toEqual({ lockedNow: true, lockSeconds: 30 })
    // Any name from that address waits; the same name from elsewhere does not.
    expect(throttle.check('carol', IP)).toMatchObject({ allowed: false, retryAfterSeconds: 30, reason: 'admin_locked_out' })
    expect(throttle.check('carol', '198.51.100.1')).toEqual({ allowed: true })
    advance(30)
    expect(throttle.check('carol', IP)).toEqual({ allowed: true })
  })

  it("ends an address's run of failures on a success, but keeps its lockout history", () => {
    const { throttle, advance } = setup({ maxFailuresPerIp: 3, maxFailures: 100 })
    for (let i = 0; i < 3; i++) throttle.fail(`u${i}`, IP)
    advance(30)
    throttle.fail('u', IP)
    throttle.fail('u', IP)
    throttle.succeed('dave', IP)
    expect(throttle.fail('u', IP)).toEqual({ lockedNow: false })
    throttle.fail('u', IP)
    expect(throttle.fail('u', IP)).toEqual({ lockedNow: true, lockSeconds: 60 })
  })

  it('forgets a name not seen for a day', () => {
    const { throttle, failTimes, advance } = setup()
    failTimes(5)
    advance(30)
    failTimes(4)
    advance(86_400)
    expect(throttle.fail('alice', IP)).toEqual({ lockedNow: false })
    expect(failTimes(4)).toEqual({ lockedNow: true, lockSeconds: 30 })
  })

  it('tracks at most maxTracked names and addresses, forgetting the least recently seen', () => {
    const { throttle, failTimes } = setup({ maxTracked: 3 })
    failTimes(5, 'first', '192.0.2.1')
    expect(throttle.check('first', '192.0.2.9')).toMatchObject({ allowed: false })
    for (const name of ['n1', 'n2', 'n3']) throttle.fail(name, `192.0.2.${name.slice(1)}`)
    // `first` was the least recently seen of four: forgotten, so allowed again.
    expect(throttle.check('first', '192.0.2.9')).toEqual({ allowed: true })
    // A name seen again moves to the back and survives the next eviction.
    const kept = setup({ maxTracked: 3 })
    kept.failTimes(5, 'first', '192.0.2.1')
    kept.throttle.fail('n1', '192.0.2.2')
    kept.throttle.fail('n2', '192.0.2.3')
    kept.throttle.fail('first', '192.0.2.1')
    kept.throttle.fail('n3', '192.0.2.4')
    expect(kept.throttle.check('first', '192.0.2.9')).toMatchObject({ allowed: false })
  })
})

import { describe, expect, it } from 'vitest'
import { clearSessionCookie, createSessionStore, SESSION_COOKIE_NAME, sessionCookie } from '../../../src/admin/security/sessions.js'

const ALICE = { name: 'alice', role: 'operator' } as const
const B64URL_256_BITS = /^[A-Za-z0-9_-]{43}$/

function setup(options: Parameters<typeof createSessionStore>[0] = {}) {
  let t = 1_800_000_000_000
  return { store: createSessionStore({ now: () => t, ...options }), advance: (ms: number) => (t += ms) }
}

const MINUTE = 60_000

describe('session store', () => {
  it('creates a session with a 256-bit id and CSRF token, a new pair at every sign-in', () => {
    const { store } = setup()
    const first = store.create(ALICE)
    const second = store.create(ALICE)
    expect(first.id).toMatch(B64URL_256_BITS)
    expect(first.csrfToken).toMatch(B64URL_256_BITS)
    expect(Buffer.from(first.id, 'base64url')).toHaveLength(32)
    expect(second.id).not.toBe(first.id)
    expect(second.csrfToken).not.toBe(first.csrfToken)
    expect(first.csrfToken).not.toBe(first.id)
    expect(store.get(first.id)).toMatchObject({ id: first.id, user: ALICE, csrfToken: first.csrfToken })
  })

  it('knows no id it did not create: a chosen (pre-login) id is never a session', () => {
    const { store } = setup()
    const session = store.create(ALICE)
    expect(store.get('A'.repeat(43))).toBeUndefined()
    expect(store.get(`${session.id}x`)).toBeUndefined()
    expect(store.get(session.id.slice(0, -1))).toBeUndefined()
    expect(store.get('')).toBeUndefined()
  })

  it('ends a session idle for 15 minutes, and restarts the idle time on each use', () => {
    const { store, advance } = setup()
    const session = store.create(ALICE)
    advance(14 * MINUTE)
    expect(store.get(session.id)).toBeDefined()
    advance(14 * MINUTE)
    expect(store.get(session.id)?.idleExpiresAt).toBe(session.createdAt + 28 * MINUTE + 15 * MINUTE)
    advance(15 * MINUTE)
    expect(store.get(session.id)).toBeUndefined()
    // Gone for good, not only while idle.
    advance(-10 * MINUTE)
    expect(store.get(session.id)).toBeUndefined()
  })

  it('ends a session 8 hours after sign-in however active', () => {
    const { store, advance } = setup()
    const session = store.create(ALICE)
    for (let i = 0; i < 47; i++) {
      advance(10 * MINUTE)
      expect(store.get(session.id)).toBeDefined()
    }
    advance(10 * MINUTE - 1)
    expect(store.get(session.id)?.idleExpiresAt).toBe(session.absoluteExpiresAt)
    advance(1)
    expect(store.get(session.id)).toBeUndefined()
  })

  it('takes its timeouts from the options', () => {
    const { store, advance } = setup({ idleMinutes: 5, absoluteHours: 1 })
    const session = store.create(ALICE)
    expect(session.absoluteExpiresAt - session.createdAt).toBe(60 * MINUTE)
    advance(5 * MINUTE)
    expect(store.get(session.id)).toBeUndefined()
  })

  it('destroys one session, or every session of a user', () => {
    const { store } = setup()
    const a1 = store.create(ALICE)
    const a2 = store.create(ALICE)
    const bob = store.create({ name: 'bob', role: 'viewer' })
    store.destroy(a1.id)
    expect(store.get(a1.id)).toBeUndefined()
    expect(store.get(a2.id)).toBeDefined()
    store.destroyAllOf('alice')
    expect(store.get(a2.id)).toBeUndefined()
    expect(store.get(bob.id)).toMatchObject({ user: { name: 'bob', role: 'viewer' } })
  })

  it('holds at most maxSessions: expired ones go first, then the least recently used', () => {
    const { store, advance } = setup({ maxSessions: 2 })
    const old = store.create(ALICE)
    advance(16 * MINUTE)
    const s1 = store.create(ALICE)
    const s2 = store.create(ALICE)
    expect([store.get(s1.id), store.get(s2.id)].every((s) => s !== undefined)).toBe(true)
    expect(store.get(old.id)).toBeUndefined()
    // s1 is used again, so s2 is the least recently used when a third arrives.
    store.get(s1.id)
    const s3 = store.create(ALICE)
    expect(store.get(s2.id)).toBeUndefined()
    expect(store.get(s1.id)).toBeDefined()
    expect(store.get(s3.id)).toBeDefined()
  })
})

describe('session cookie', () => {
  const id = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO_-'

  it('is __Host-, host-only, Path=/, HttpOnly, Secure and SameSite=Strict', () => {
    expect(SESSION_COOKIE_NAME).toBe('__Host-slackgate-admin')
    expect(sessionCookie(id, 28_800)).toBe(`__Host-slackgate-admin=${id}; Max-Age=28800; Path=/; HttpOnly; Secure; SameSite=Strict`)
    expect(sessionCookie(id, 28_800)).not.toMatch(/domain/i)
  })

  it('is cleared with the same attributes and Max-Age=0', () => {
    expect(clearSessionCookie()).toBe('__Host-slackgate-admin=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict')
  })

  it('refuses a value that is not a session id (no attribute injection) and a bad Max-Age', () => {
    expect(() => sessionCookie(`${id.slice(0, 40)}; D`, 60)).toThrow(TypeError)
    expect(() => sessionCookie(id, -1)).toThrow(RangeError)
    expect(() => sessionCookie(id, 1.5)).toThrow(RangeError)
  })
})

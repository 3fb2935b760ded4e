import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkState, deriveStateKey, issueState } from '../../../src/install/install-state.js'
import { cookieValues, stateCookie } from '../../../src/install/state-cookie.js'
import { excessScopes } from '../../../src/install/granted-scopes.js'

const KEY = deriveStateKey('client-secret-0123456789')
const NOW = 1_800_000_000
const check = (state: string, cookies: string[], now = NOW) => checkState({ state, cookies, key: KEY, now, ttlSeconds: 600 })

describe('install state', () => {
  it('is v1.<issuedAt>.<32 random bytes>.<mac>, and the cookie holds its SHA-256', () => {
    const { state, cookieValue } = issueState(KEY, NOW)
    expect(state).toMatch(/^v1\.1800000000\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
    expect(cookieValue).toBe(createHash('sha256').update(state).digest('base64url'))
  })

  it('verifies, with a claim key that names the hash and lasts until the state would expire', () => {
    const { state, cookieValue } = issueState(KEY, NOW)
    expect(check(state, [cookieValue], NOW + 100)).toEqual({ ok: true, claimKey: `install-state:${cookieValue}`, claimTtlSeconds: 501 })
  })

  it('checks in order: cookie, authenticity, binding, expiry', () => {
    const { state, cookieValue } = issueState(KEY, NOW)
    const other = issueState(KEY, NOW)
    const forged = issueState(deriveStateKey('another-secret'), NOW)
    expect(check(state, [])).toEqual({ ok: false, reason: 'cookie_missing' })
    expect(check(forged.state, [forged.cookieValue])).toEqual({ ok: false, reason: 'state_invalid' })
    expect(check(state, [other.cookieValue])).toEqual({ ok: false, reason: 'state_mismatch' })
    expect(check(state, [cookieValue, cookieValue])).toEqual({ ok: false, reason: 'state_mismatch' })
    expect(check(state, [cookieValue], NOW + 601)).toEqual({ ok: false, reason: 'state_expired' })
    // An expired forgery is a forgery: authenticity comes before anything the state claims.
    expect(check(forged.state, [forged.cookieValue], NOW + 10_000)).toEqual({ ok: false, reason: 'state_invalid' })
  })

  it.each(['', 'v1', 'v2.1800000000.a.b', `v1.${NOW}.${'A'.repeat(43)}.${'A'.repeat(43)}`, `v1.${NOW}.${'A'.repeat(43)}.${'A'.repeat(43)}.x`])('refuses %j as not issued here', (state) => {
    expect(check(state, [createHash('sha256').update(state).digest('base64url')])).toEqual({ ok: false, reason: 'state_invalid' })
  })

  it('keys are per client secret: a state verifies only under the key it was issued with', () => {
    const { state, cookieValue } = issueState(deriveStateKey('client-secret-0123456789'), NOW)
    expect(check(state, [cookieValue]).ok).toBe(true)
    expect(checkState({ state, cookies: [cookieValue], key: deriveStateKey('client-secret-rotated'), now: NOW, ttlSeconds: 600 })).toEqual({ ok: false, reason: 'state_invalid' })
  })
})

describe('install cookie', () => {
  it('is __Host- shaped: Secure, Path=/, no Domain, HttpOnly, SameSite=Lax', () => {
    expect(stateCookie('__Host-x', 'v', 600)).toBe('__Host-x=v; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax')
  })

  it('reads every cookie of its name', () => {
    expect(cookieValues('a=1; __Host-x=v1;b=2; __Host-x=v2', '__Host-x')).toEqual(['v1', 'v2'])
    expect(cookieValues(['a=1', '__Host-x=v'], '__Host-x')).toEqual(['v'])
    expect(cookieValues(undefined, '__Host-x')).toEqual([])
    expect(cookieValues('x__Host-x=v; __Host-xy=w', '__Host-x')).toEqual([])
  })
})

describe('granted scopes', () => {
  it('names only the scopes beyond the declared ones', () => {
    expect(excessScopes(['chat:write', 'commands'], ['commands'])).toEqual([])
    expect(excessScopes(['chat:write'], ['chat:write', 'channels:history', 'channels:history'])).toEqual(['channels:history'])
  })
})

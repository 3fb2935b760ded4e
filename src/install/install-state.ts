import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { InstallCode } from './errors.js'

/**
 * The install flow's `state`: `v1.<issuedAt>.<random>.<mac>`, with 32 random bytes
 * (base64url), the issue time in epoch seconds, and an HMAC-SHA256 over both under a key
 * only the gateway holds. The MAC makes a state that was never issued (`state_invalid`) and
 * an expired one (`state_expired`) known without storing anything at issue, so `/slack/install`
 * costs no write and any instance verifies what another issued; single use is the claim of its
 * hash in the nonce store (`state_reused`), and the browser binding is the cookie holding
 * that hash (`state_mismatch`). Slack's own @slack/oauth keeps nothing on the server, so its
 * states are single use only while the browser deletes the cookie.
 */
export interface IssuedState {
  readonly state: string
  /** What the install cookie holds: the state's SHA-256, base64url. */
  readonly cookieValue: string
}

export type StateVerdict =
  | { readonly ok: true; readonly claimKey: string; readonly claimTtlSeconds: number }
  | { readonly ok: false; readonly reason: Extract<InstallCode, 'cookie_missing' | 'state_invalid' | 'state_mismatch' | 'state_expired'> }

const VERSION = 'v1'
const STATE = /^v1\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/

/**
 * The MAC key of install states, derived (HKDF-SHA256) from the app's client secret, which
 * every instance of a deployment holds: no key file to share, and the secret itself never
 * signs anything. A new client secret invalidates the states in flight (ten minutes' worth).
 */
export function deriveStateKey(clientSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, 'slackgate', 'slackgate install state v1', 32))
}

/**
 * A fresh state, issued at `now` (epoch seconds).
 *
 * @example
 * const { state, cookieValue } = issueState(key, 1_700_000_000)
 */
export function issueState(key: Buffer, now: number, random: Buffer = randomBytes(32)): IssuedState {
  const body = `${VERSION}.${now}.${random.toString('base64url')}`
  const state = `${body}.${mac(key, body)}`
  return { state, cookieValue: stateHash(state) }
}

/**
 * Checks a callback's state against the install cookie, in order: the cookie is there, the
 * state is one this gateway issued (MAC, compared in constant time), the cookie holds its
 * hash (constant time), and it has not expired. The caller then claims `claimKey` for
 * `claimTtlSeconds` (until the state would expire anyway): a second claim is `state_reused`.
 * `cookies` are the values of every cookie of the install cookie's name: more than one is a
 * cookie planted beside ours, and refused.
 */
export function checkState(input: { readonly state: string; readonly cookies: readonly string[]; readonly key: Buffer; readonly now: number; readonly ttlSeconds: number }): StateVerdict {
  const { state, cookies, key, now, ttlSeconds } = input
  if (cookies.length === 0) return { ok: false, reason: 'cookie_missing' }
  const m = STATE.exec(state)
  if (m === null) return { ok: false, reason: 'state_invalid' }
  const body = `${VERSION}.${m[1] as string}.${m[2] as string}`
  if (!equal(m[3] as string, mac(key, body))) return { ok: false, reason: 'state_invalid' }
  const hash = stateHash(state)
  if (cookies.length !== 1 || !equal(cookies[0] as string, hash)) return { ok: false, reason: 'state_mismatch' }
  const issuedAt = Number(m[1])
  const expiresAt = issuedAt + ttlSeconds
  if (now > expiresAt) return { ok: false, reason: 'state_expired' }
  // Issued by us, so from the future only by another instance's clock: it expires all the same.
  return { ok: true, claimKey: `install-state:${hash}`, claimTtlSeconds: Math.min(2 * ttlSeconds, Math.max(1, expiresAt - now + 1)) }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url')
}

function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url')
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

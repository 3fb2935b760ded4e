import type { Installation, TokenKind, TokenSet } from '../vault/installation.js'

/** Refreshed this long before it expires, unless configured (`slack.tokenRotation.refreshBeforeSeconds`). */
export const DEFAULT_REFRESH_BEFORE_SECONDS = 7200

/**
 * Whether a token is due for refresh at `now` (epoch seconds): it rotates (it has an expiry
 * and a refresh token) and expires within `beforeSeconds`.
 *
 * @example
 * refreshDue({ token, scopes: [], refreshToken, expiresAt: now + 3600 }, now, 7200) // true
 */
export function refreshDue(set: TokenSet | undefined, now: number, beforeSeconds: number): boolean {
  return set?.refreshToken !== undefined && set.expiresAt !== undefined && set.expiresAt - now <= beforeSeconds
}

/** The kinds of an installation's tokens due for refresh at `now`. */
export function kindsDue(installation: Installation, now: number, beforeSeconds: number): TokenKind[] {
  return (['bot', 'user'] as const).filter((kind) => refreshDue(installation[kind], now, beforeSeconds))
}

/** Whether a token can still be used at `now`: present and not expired. */
export function usable(set: TokenSet | undefined, now: number): set is TokenSet {
  return set !== undefined && (set.expiresAt === undefined || set.expiresAt > now)
}

/**
 * Slack's answers to a refresh that mean the refresh token is dead: no retry can help, and
 * the installation's tokens of that kind are wiped (https://api.slack.com/authentication/rotation).
 */
const REVOKED = new Set(['invalid_refresh_token', 'token_revoked'])

/** Whether a refresh failure says the refresh token was revoked (else it may be retried). */
export function refreshRevoked(slackError: string | undefined): boolean {
  return slackError !== undefined && REVOKED.has(slackError)
}

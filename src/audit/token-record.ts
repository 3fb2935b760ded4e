import type { Installation, TokenKind } from '../vault/installation.js'
import type { AuditRecord } from './audit-record.js'

/** The type of the lifecycle records of token rotation. */
export const TOKEN_REFRESH = 'token_refresh'

/**
 * The audit record of one token refresh: `refreshed` (the new token's expiry in `outcome`),
 * `refresh_failed` (reason `token_refresh_failed`, Slack's error or the failure in
 * `outcome`), or `revoked` (Slack said the refresh token is dead: the tokens of that kind
 * were wiped). `target` is the installation key, `subject` the token kind. Never a token.
 */
export function tokenRefreshRecord(input: {
  readonly at: number
  readonly installation: Pick<Installation, 'key' | 'teamId' | 'enterpriseId'>
  readonly kind: TokenKind
  readonly verdict: 'refreshed' | 'refresh_failed' | 'revoked'
  /** Slack's error code or how the exchange failed, for a failure. */
  readonly error?: string
  /** The new token's expiry (epoch seconds), for a refresh. */
  readonly expiresAt?: number
  readonly attempt?: number
}): AuditRecord {
  const { installation: i } = input
  return {
    at: input.at,
    kind: 'lifecycle',
    source: 'vault',
    verdict: input.verdict,
    reason: input.verdict === 'refreshed' ? undefined : 'token_refresh_failed',
    type: TOKEN_REFRESH,
    teamId: i.teamId,
    enterpriseId: i.enterpriseId,
    subject: input.kind,
    target: i.key,
    attempt: input.attempt,
    outcome: input.expiresAt !== undefined ? `expires ${new Date(input.expiresAt * 1000).toISOString()}` : input.error,
  }
}

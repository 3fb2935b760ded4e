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

/**
 * The audit record of what a lifecycle event wiped from the vault: `installation_deleted`
 * (`app_uninstalled`) or `tokens_wiped` (`tokens_revoked`). `target` is the installation
 * key, `subject` the token kinds wiped. It is written just before the event's own
 * `lifecycle` request record (which alone is written when there was nothing to wipe).
 */
export function tokenLifecycleRecord(input: {
  readonly at: number
  readonly requestId: string
  readonly event: { readonly type: string; readonly context: { readonly teamId?: string; readonly enterpriseId?: string } }
  readonly key: string
  readonly action: 'delete' | 'revoke'
  readonly wiped: readonly TokenKind[]
}): AuditRecord {
  return {
    at: input.at,
    kind: 'lifecycle',
    requestId: input.requestId,
    source: 'vault',
    verdict: input.action === 'delete' ? 'installation_deleted' : 'tokens_wiped',
    type: input.event.type,
    teamId: input.event.context.teamId,
    enterpriseId: input.event.context.enterpriseId,
    subject: input.wiped.join(','),
    target: input.key,
  }
}

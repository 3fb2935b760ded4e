import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { AuditRecord } from '../audit/audit-record.js'
import { tokenRefreshRecord } from '../audit/token-record.js'
import type { Installation, TokenKind, TokenSet } from '../vault/installation.js'
import type { LockedUpdate, Vault } from '../vault/vault.js'
import { SlackApiError } from './errors.js'
import type { OAuthV2Access } from './oauth-v2-access.js'
import { OAuthV2AccessError } from './oauth-v2-access.js'
import { kindsDue, refreshRevoked, usable } from './refresh-due.js'

/** Attempts of one refresh exchange, and the pause before the second (doubling after). */
export const REFRESH_ATTEMPTS = 3
export const REFRESH_BACKOFF_MS = 500

export interface TokenRefreshDeps {
  readonly vault: Vault
  /** `oauth.v2.access` with `grant_type=refresh_token` (see oauth-v2-access.ts). */
  readonly exchange: (refreshToken: string) => Promise<OAuthV2Access>
  readonly audit: { append(record: AuditRecord): Promise<void> }
  readonly logger: Logger
  readonly refreshBeforeSeconds: number
  /** Epoch seconds. */
  readonly now?: () => number
  readonly backoffMs?: number
  readonly wait?: (ms: number) => Promise<unknown>
}

export interface TokenRefresher {
  /**
   * The installation with its tokens fresh: those due (expiring within the window) are
   * refreshed first, under the installation's lock. A token whose refresh failed is still
   * returned while it has not expired; an expired one that could not be refreshed is
   * `token_refresh_failed`.
   */
  fresh(installation: Installation, needs?: TokenKind): Promise<Installation>
  /** Refreshes every installation with a token due; the background sweep. Resolves with how many were refreshed. */
  sweep(): Promise<number>
}

type Attempt = { readonly ok: true; readonly set: TokenSet } | { readonly ok: false; readonly error: string; readonly revoked: boolean }

interface Refreshed {
  readonly installation: Installation | undefined
  readonly refreshed: readonly TokenKind[]
  readonly failed: ReadonlyArray<{ readonly kind: TokenKind; readonly error: string; readonly revoked: boolean }>
}

/**
 * Token rotation (https://api.slack.com/authentication/rotation): each access token lives 12
 * hours, and each refresh revokes the refresh token it used. Two refreshes with one refresh
 * token leave one of the two stored tokens dead (slackapi/node-slack-sdk#2504), so a refresh
 * runs under the installation's lock, across processes and instances, and re-reads the
 * installation there: if another caller refreshed it meanwhile, its tokens are used and no
 * exchange is made. A failed exchange is retried with backoff while the lock is held; a
 * refresh token Slack says is dead (`invalid_refresh_token`) gets its tokens wiped, never
 * stored again. Every refresh, failure and wipe is audited.
 */
export function createTokenRefresher(deps: TokenRefreshDeps): TokenRefresher {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000))
  const wait = deps.wait ?? sleep
  const backoffMs = deps.backoffMs ?? REFRESH_BACKOFF_MS
  const log = deps.logger.child({ component: 'token-refresh' })
  const record = (r: AuditRecord) =>
    deps.audit.append(r).catch((err: unknown) => log.error({ err, reason: 'audit_unavailable', installation: r.target }, 'token refresh not recorded in the audit log'))

  async function exchangeWithRetry(installation: Installation, kind: TokenKind, set: TokenSet): Promise<Attempt> {
    let last: Attempt = { ok: false, error: 'not_attempted', revoked: false }
    for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
      if (attempt > 1) await wait(backoffMs * 2 ** (attempt - 2))
      last = await exchangeOnce(set.refreshToken as string)
      if (last.ok) {
        await record(tokenRefreshRecord({ at: Date.now(), installation, kind, verdict: 'refreshed', attempt, ...(last.set.expiresAt !== undefined && { expiresAt: last.set.expiresAt }) }))
        return last
      }
      await record(tokenRefreshRecord({ at: Date.now(), installation, kind, verdict: 'refresh_failed', error: last.error, attempt }))
      log.warn({ installation: installation.key, kind, attempt, error: last.error, reason: 'token_refresh_failed' }, 'token refresh failed')
      if (last.revoked) return last
    }
    return last
  }

  async function exchangeOnce(refreshToken: string): Promise<Attempt> {
    let access: OAuthV2Access
    try {
      access = await deps.exchange(refreshToken)
    } catch (err) {
      if (err instanceof OAuthV2AccessError) {
        const error = err.slackError ?? (err.status === undefined ? err.failure : `${err.failure}_${err.status}`)
        return { ok: false, error, revoked: refreshRevoked(err.slackError) }
      }
      return { ok: false, error: 'exchange_failed', revoked: false }
    }
    if (access.accessToken === undefined || access.refreshToken === undefined || access.expiresIn === undefined) {
      return { ok: false, error: 'malformed_response', revoked: false }
    }
    return { ok: true, set: { token: access.accessToken, scopes: access.scopes, refreshToken: access.refreshToken, expiresAt: now() + access.expiresIn } }
  }

  async function refreshLocked(key: string): Promise<Refreshed> {
    return deps.vault.withLock(key, async (current): Promise<LockedUpdate<Refreshed>> => {
      if (current === undefined) return { result: { installation: undefined, refreshed: [], failed: [] } }
      // Another caller (in this process or another) may have refreshed while we waited.
      const due = kindsDue(current, now(), deps.refreshBeforeSeconds)
      let next: Installation = current
      const refreshed: TokenKind[] = []
      const failed: Array<Refreshed['failed'][number]> = []
      for (const kind of due) {
        const set = next[kind] as TokenSet
        const attempt = await exchangeWithRetry(next, kind, set)
        // Scopes are kept when Slack's answer lists none.
        if (attempt.ok) {
          next = { ...next, [kind]: { ...attempt.set, scopes: attempt.set.scopes.length > 0 ? attempt.set.scopes : set.scopes } }
          refreshed.push(kind)
        } else failed.push({ kind, error: attempt.error, revoked: attempt.revoked })
      }
      if (refreshed.length > 0) await storeRefreshed(next)
      return { result: { installation: next, refreshed, failed } }
    })
  }

  // Slack revoked the old refresh token when it granted the new one: a new token set that is
  // not stored is lost for good, so its save is retried (still under the lock) before giving up.
  async function storeRefreshed(installation: Installation): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.vault.save(installation)
      } catch (err) {
        log.error({ err, installation: installation.key, attempt }, 'refreshed tokens not stored')
        if (attempt >= REFRESH_ATTEMPTS) throw err
        await wait(backoffMs * 2 ** (attempt - 1))
      }
    }
  }

  async function refresh(installation: Installation): Promise<Refreshed> {
    const result = await refreshLocked(installation.key)
    const revoked = result.failed.filter((f) => f.revoked).map((f) => f.kind)
    if (result.installation === undefined || revoked.length === 0) return result
    // Slack said these refresh tokens are dead: their tokens are never used (or stored) again.
    await deps.vault.revoke(result.installation.key, revoked)
    for (const kind of revoked) await record(tokenRefreshRecord({ at: Date.now(), installation: result.installation, kind, verdict: 'revoked' }))
    const rest: { -readonly [K in keyof Installation]: Installation[K] } = { ...result.installation }
    for (const kind of revoked) delete rest[kind]
    return { ...result, installation: rest }
  }

  return {
    async fresh(installation, needs = 'bot') {
      if (kindsDue(installation, now(), deps.refreshBeforeSeconds).length === 0) return installation
      const { installation: refreshed } = await refresh(installation)
      if (refreshed === undefined) throw new SlackApiError('installation_not_found', `${installation.key} was uninstalled`, { installation: installation.key })
      if (installation[needs] !== undefined && !usable(refreshed[needs], now())) {
        throw new SlackApiError('token_refresh_failed', `the ${needs} token of ${installation.key} expired and could not be refreshed`, { installation: installation.key })
      }
      return refreshed
    },
    async sweep() {
      const at = now()
      let count = 0
      for (const summary of await deps.vault.list()) {
        if (!summary.rotating) continue
        const soonest = Math.min(summary.botExpiresAt ?? Infinity, summary.userExpiresAt ?? Infinity)
        if (soonest - at > deps.refreshBeforeSeconds) continue
        try {
          const installation = await deps.vault.get(summary.key)
          if (installation !== undefined && (await refresh(installation)).refreshed.length > 0) count += 1
        } catch (err) {
          // One installation the vault cannot serve does not stop the others' refresh.
          log.error({ err, installation: summary.key }, 'token refresh sweep could not refresh an installation')
        }
      }
      return count
    },
  }
}

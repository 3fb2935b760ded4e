import type { AuditLog } from '../audit/audit-log.js'
import { installRecord } from '../audit/install-record.js'
import type { InstallConfig } from '../config/install-schema.js'
import type { NonceStore } from '../replay/nonce-store.js'
import { OAuthV2AccessError, type OAuthV2Access } from '../slack-api/oauth-v2-access.js'
import type { Installation } from '../vault/installation.js'
import type { Vault } from '../vault/vault.js'
import type { InstallCode } from './errors.js'
import { excessScopes } from './granted-scopes.js'
import { checkState } from './install-state.js'
import { installationFromAccess } from './installation-from-access.js'

export interface InstallDeps {
  readonly config: InstallConfig
  /** The MAC key of states (see install-state.ts). */
  readonly stateKey: Buffer
  /** Where each state is claimed once, across instances. */
  readonly nonces: NonceStore
  readonly vault: Vault
  readonly audit?: AuditLog
  /** `oauth.v2.access` for an authorization code. */
  readonly exchange: (code: string) => Promise<OAuthV2Access>
  /** Revokes tokens Slack granted to an install that is then refused (see revoke-granted.ts); never throws. */
  readonly revoke?: (tokens: readonly string[]) => Promise<unknown>
  /** Epoch seconds. */
  readonly now: () => number
}

/** The callback's query string, as received; every field is anyone's to send. */
export interface InstallCallback {
  readonly state?: string
  readonly code?: string
  readonly error?: string
  /** Every install cookie the browser sent (see state-cookie.ts). */
  readonly cookies: readonly string[]
  readonly requestId: string
}

export type InstallOutcome =
  | { readonly ok: true; readonly installation: Installation }
  | {
      readonly ok: false
      readonly reason: InstallCode
      readonly detail?: string
      /** What Slack said was installed, when the refusal came after the exchange: for the audit record. */
      readonly refused?: Installation
    }

const SLACK_ERROR = /^[a-z0-9_]{1,64}$/

/**
 * Completes an install from Slack's redirect back, checking in order: Slack's own error
 * (the installer cancelled: `access_denied`), the state (see below), the code, and only then
 * exchanging the code at `oauth.v2.access`; then what was granted (an org-wide install for a
 * callback without state, no scope beyond the declared ones), the audit record, and last the
 * vault. Nothing is stored unless every check passed and the install is recorded.
 *
 * A state is checked against the browser's cookie, authenticity, expiry, and then claimed
 * (single use). A callback without state is refused (`state_missing`) unless
 * `allowInstallWithoutState` is on, and then accepted only for an org-wide install: an
 * install begun from Slack's admin pages has no state to bring.
 */
export async function completeInstall(deps: InstallDeps, callback: InstallCallback): Promise<InstallOutcome> {
  const outcome = await decide(deps, callback)
  if (!outcome.ok && deps.audit !== undefined) {
    // A refusal's record is best effort: it changes nothing, and nothing was stored.
    const record = installRecord({ at: deps.now() * 1000, requestId: callback.requestId, reason: outcome.reason, ...(outcome.refused !== undefined && { installation: outcome.refused }) })
    await deps.audit.append(record).catch(() => undefined)
  }
  return outcome
}

async function decide(deps: InstallDeps, callback: InstallCallback): Promise<InstallOutcome> {
  const { config } = deps
  if (callback.error !== undefined) {
    return callback.error === 'access_denied' ? refuse('access_denied') : refuse('oauth_failed', SLACK_ERROR.test(callback.error) ? callback.error : 'unknown_error')
  }
  const stateless = callback.state === undefined || callback.state === ''
  if (stateless && !config.allowInstallWithoutState) return refuse('state_missing')
  const verdict = stateless ? undefined : checkState({ state: callback.state as string, cookies: callback.cookies, key: deps.stateKey, now: deps.now(), ttlSeconds: config.stateTtlSeconds })
  if (verdict?.ok === false) return refuse(verdict.reason)
  // Before the claim: a callback without a code does not spend its state.
  if (callback.code === undefined || callback.code === '') return refuse('code_missing')
  if (verdict?.ok === true) {
    let claimed: 'first' | 'duplicate'
    try {
      claimed = await deps.nonces.claim(verdict.claimKey, verdict.claimTtlSeconds)
    } catch {
      return refuse('install_unavailable', 'replay_store_unavailable')
    }
    if (claimed === 'duplicate') return refuse('state_reused')
  }
  const origin: Installation['origin'] = stateless ? 'oauth_without_state' : 'oauth'

  let access: OAuthV2Access
  try {
    access = await deps.exchange(callback.code)
  } catch (err) {
    if (err instanceof OAuthV2AccessError) return refuse('oauth_failed', err.slackError ?? err.failure)
    return refuse('oauth_failed')
  }
  // From here Slack has granted tokens: a refusal revokes them, so that none stays usable unstored.
  const granted = [access.accessToken, access.authedUser?.accessToken].filter((t): t is string => t !== undefined)
  const refuseGranted = async (reason: InstallCode, detail: string, refused?: Installation): Promise<InstallOutcome> => {
    await deps.revoke?.(granted)
    return { ...refuse(reason, detail), ...(refused !== undefined && { refused }) }
  }
  const installation = installationFromAccess(access, origin, deps.now())
  if (installation === undefined) return refuseGranted('oauth_failed', 'incomplete_response')
  if (origin === 'oauth_without_state' && !installation.isEnterpriseInstall) return refuseGranted('state_missing', 'only an org-wide install may arrive without state', installation)
  const excess = [...excessScopes(config.scopes.bot, installation.bot?.scopes ?? []), ...excessScopes(config.scopes.user, installation.user?.scopes ?? [])]
  if (excess.length > 0) return refuseGranted('scopes_exceeded', excess.join(','), installation)

  // Recorded before it is stored: an installation never exists without its record.
  const at = deps.now() * 1000
  try {
    await deps.audit?.append(installRecord({ at, requestId: callback.requestId, installation }))
  } catch {
    return refuseGranted('install_unavailable', 'audit_unavailable', installation)
  }
  try {
    await deps.vault.save(installation)
  } catch {
    return refuseGranted('install_unavailable', 'vault_unavailable', installation)
  }
  return { ok: true, installation }
}

function refuse(reason: InstallCode, detail?: string): Extract<InstallOutcome, { ok: false }> {
  return { ok: false, reason, ...(detail !== undefined && { detail }) }
}

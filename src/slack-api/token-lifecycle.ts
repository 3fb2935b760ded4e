import type { AuditRecord } from '../audit/audit-record.js'
import { tokenLifecycleRecord } from '../audit/token-record.js'
import type { NonceStore } from '../replay/nonce-store.js'
import type { EventCallback } from '../slack/slack-request.js'
import { installationKey, type Installation, type TokenKind } from '../vault/installation.js'
import type { Vault } from '../vault/vault.js'

/**
 * What a lifecycle event asks of the vault: `app_uninstalled` deletes the installation;
 * `tokens_revoked` wipes the tokens it names (`tokens.bot`: bot user ids; `tokens.oauth`:
 * the users whose user tokens were revoked). Other events ask nothing.
 */
export type LifecycleAction =
  | { readonly action: 'delete'; readonly key: string }
  | { readonly action: 'revoke'; readonly key: string; readonly botUserIds: readonly string[]; readonly userIds: readonly string[] }

/**
 * The vault action a verified event asks for, if any. The installation is named exactly (its
 * workspace, or its organisation for an org-wide install, as the event's authorization says):
 * an uninstall from one workspace never reaches its organisation's org-wide installation.
 *
 * @example
 * lifecycleAction(appUninstalledEvent) // { action: 'delete', key: 'team:T0001' }
 */
export function lifecycleAction(event: EventCallback): LifecycleAction | undefined {
  if (event.type !== 'app_uninstalled' && event.type !== 'tokens_revoked') return undefined
  const { teamId, enterpriseId } = event.context
  const orgWide = firstAuthorization(event.payload)?.is_enterprise_install === true
  if (orgWide ? enterpriseId === undefined : teamId === undefined) return undefined
  const key = installationKey({ ...(teamId !== undefined && { teamId }), ...(enterpriseId !== undefined && { enterpriseId }), isEnterpriseInstall: orgWide })
  if (event.type === 'app_uninstalled') return { action: 'delete', key }
  const tokens = (event.payload.event as { tokens?: { oauth?: unknown; bot?: unknown } } | undefined)?.tokens
  return { action: 'revoke', key, botUserIds: strings(tokens?.bot), userIds: strings(tokens?.oauth) }
}

/**
 * The kinds of an installation's tokens a `tokens_revoked` event names: the bot token when a
 * bot user is listed (ours, or any when we do not know our bot user's id), the installer's
 * user token when the installer is listed.
 */
export function revokedKinds(installation: Installation, botUserIds: readonly string[], userIds: readonly string[]): TokenKind[] {
  const kinds: TokenKind[] = []
  const { botUserId, installerUserId } = installation
  if (installation.bot !== undefined && botUserIds.length > 0 && (botUserId === undefined || botUserIds.includes(botUserId))) kinds.push('bot')
  if (installation.user !== undefined && userIds.length > 0 && (installerUserId === undefined || userIds.includes(installerUserId))) kinds.push('user')
  return kinds
}

export interface TokenLifecycleDeps {
  readonly vault: Vault
  readonly nonces: NonceStore
  readonly audit: { append(record: AuditRecord): Promise<void> }
  /** How long an event's action is remembered as done: the replay TTL. */
  readonly ttlSeconds: number
}

/** Done (or nothing to do), or a store did not answer: the caller answers 503 and Slack retries. */
export type LifecycleOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly cause: unknown }

/**
 * Applies `app_uninstalled` and `tokens_revoked` to the vault as the event arrives, routed or
 * not, so that a revoked token is never used again. Once per event: the event id is claimed
 * (`lifecycle:<event_id>`), so Slack's retry of an event already applied does not delete a
 * reinstall made since. Durably: the vault's change and its audit record are written before
 * the event is acknowledged; if either store fails, the claim is released and the caller
 * answers 503, and Slack's retry applies it again (the wipe is idempotent).
 */
export function createTokenLifecycle(deps: TokenLifecycleDeps): (event: EventCallback, requestId: string) => Promise<LifecycleOutcome> {
  return async function applyLifecycle(event, requestId) {
    const action = lifecycleAction(event)
    if (action === undefined) return { ok: true }
    const claimKey = `lifecycle:${event.eventId}`
    try {
      if ((await deps.nonces.claim(claimKey, deps.ttlSeconds)) === 'duplicate') return { ok: true }
    } catch (cause) {
      return { ok: false, reason: 'replay_store_unavailable', cause }
    }
    let step = 'vault_unavailable'
    try {
      const wiped = await apply(deps.vault, action)
      step = 'audit_unavailable'
      // The event's own lifecycle record says it came; this one, what it wiped.
      if (wiped.length > 0) await deps.audit.append(tokenLifecycleRecord({ at: Date.now(), requestId, event, key: action.key, action: action.action, wiped }))
      return { ok: true }
    } catch (cause) {
      await deps.nonces.release(claimKey).catch(() => undefined)
      const code = (cause as { code?: unknown }).code
      return { ok: false, reason: step === 'vault_unavailable' && typeof code === 'string' && code.startsWith('vault_') ? code : step, cause }
    }
  }
}

/** The kinds wiped (every kind it had, for a delete); empty when there was nothing to wipe. */
async function apply(vault: Vault, action: LifecycleAction): Promise<TokenKind[]> {
  const installation = await vault.get(action.key)
  if (installation === undefined) return []
  const held = (['bot', 'user'] as const).filter((kind) => installation[kind] !== undefined)
  if (action.action === 'delete') return (await vault.delete(action.key)) ? held : []
  const kinds = revokedKinds(installation, action.botUserIds, action.userIds)
  if (kinds.length === 0) return []
  return (await vault.revoke(action.key, kinds)) ? kinds : []
}

function firstAuthorization(payload: Readonly<Record<string, unknown>>): { is_enterprise_install?: unknown } | undefined {
  const list = payload.authorizations
  return Array.isArray(list) && typeof list[0] === 'object' && list[0] !== null ? (list[0] as { is_enterprise_install?: unknown }) : undefined
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

import type { Installation } from '../vault/installation.js'
import type { AuditRecord } from './audit-record.js'

/** The lifecycle record of an app installed through the OAuth flow: `app_installed`. */
export const APP_INSTALLED = 'app_installed'

/**
 * The audit record of an install callback. Installed: a `lifecycle` record of type
 * `app_installed`, its `source` the installation's origin (`oauth`, or `oauth_without_state`
 * for an org-wide install begun from Slack's admin pages), `target` the installation key and
 * `outcome` the granted scopes. Refused: a `request` record from source `install` with the
 * reason code. Never a token: only what the installation says of itself besides them.
 */
export function installRecord(input: {
  readonly at: number
  readonly requestId: string
  readonly installation?: Installation
  /** A refusal's reason code (the installation is then absent, or was not stored). */
  readonly reason?: string
}): AuditRecord {
  const { installation: i, reason } = input
  if (i === undefined || reason !== undefined) {
    return {
      at: input.at,
      kind: 'request',
      requestId: input.requestId,
      source: 'install',
      verdict: 'rejected',
      reason,
      type: 'oauth_redirect',
      teamId: i?.teamId,
      enterpriseId: i?.enterpriseId,
      userId: i?.installerUserId,
      target: i?.key,
    }
  }
  return {
    at: input.at,
    kind: 'lifecycle',
    requestId: input.requestId,
    source: i.origin,
    verdict: 'installed',
    type: APP_INSTALLED,
    teamId: i.teamId,
    enterpriseId: i.enterpriseId,
    userId: i.installerUserId,
    target: i.key,
    outcome: `bot=${(i.bot?.scopes ?? []).join(',')} user=${(i.user?.scopes ?? []).join(',')}`,
  }
}

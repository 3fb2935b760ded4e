import type { AuditRecord } from '../audit/audit-record.js'
import type { AdminCode } from './errors.js'

/**
 * What an admin did or was refused, as an audit verdict. Sign-ins and their failures are
 * recorded like the gateway's own traffic (OWASP Logging Cheat Sheet: authentication
 * successes and failures, authorization failures, high-risk actions).
 */
export type AdminVerdict =
  | 'login'
  | 'login_failed'
  | 'locked_out'
  | 'logout'
  /** A state-changing request refused: cross-site, a bad token, or a role that may not. */
  | 'refused'
  | 'retried'
  | 'dropped'
  /** An operator's retry or drop found no such job (already retried, dropped or delivered). */
  | 'not_found'
  | 'exported'
  /** An operator revoked an installation (every token it held wiped). */
  | 'revoked'
  /** An operator rotated the gateway's signing keys. */
  | 'rotated'

/** The console action a record is about, in `type`. */
export type AdminAction = 'login' | 'logout' | 'job_retry' | 'job_drop' | 'requests_export' | 'installation_revoke' | 'key_rotate' | 'post'

export interface AdminRecordInput {
  readonly at: number
  readonly requestId: string
  readonly action: AdminAction
  readonly verdict: AdminVerdict
  readonly reason?: AdminCode
  /** The admin's name: the session's, or at sign-in the name as typed. */
  readonly name?: string
  readonly jobId?: string
  /** What was acted on beyond a job: an export's filters, an installation's key. */
  readonly target?: string
}

/** The longest name kept: a sign-in form is anyone's to fill, the audit log is not theirs to grow. */
export const MAX_RECORDED_NAME = 128

/**
 * The audit record of one admin action (kind `admin`, source `admin`). The name is kept as
 * typed, trimmed and cut to 128 characters, so that failed sign-ins show what was tried; a
 * password, a session id or a CSRF token is never an input here, so none can be recorded.
 *
 * @example
 * audit.append(adminRecord({ at: Date.now(), requestId, action: 'login', verdict: 'login_failed', reason: 'admin_login_failed', name }))
 */
export function adminRecord(input: AdminRecordInput): AuditRecord {
  const name = input.name?.trim().slice(0, MAX_RECORDED_NAME)
  return {
    at: input.at,
    kind: 'admin',
    requestId: input.requestId,
    source: 'admin',
    verdict: input.verdict,
    type: input.action,
    ...(input.reason !== undefined && { reason: input.reason }),
    ...(name !== undefined && name !== '' && { subject: name }),
    ...(input.jobId !== undefined && { jobId: input.jobId }),
    ...(input.target !== undefined && { target: input.target }),
  }
}

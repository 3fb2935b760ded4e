/**
 * Reason codes of the audit stage. `audit_unavailable` answers 503: a request that cannot be
 * recorded is not taken (fail closed), and Slack retries it. Never renamed or reused.
 */
export const AUDIT_CODES = ['audit_unavailable'] as const

export type AuditCode = (typeof AUDIT_CODES)[number]

/** The audit log could not be written: the caller answers 503 and records nothing else. */
export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError'
  readonly code: AuditCode = 'audit_unavailable'
  constructor(options?: { cause?: unknown }) {
    super('audit_unavailable', options)
  }
}

/**
 * Reason codes of the admin console (`/admin`). A refusal names what failed, never which part
 * of a login was wrong: `admin_login_failed` is the same for an unknown name and a wrong
 * password (OWASP Authentication Cheat Sheet, "Authentication and Error Messages"). Stable:
 * never renamed or reused.
 */
export const ADMIN_CODES = [
  'admin_login_failed',
  'admin_locked_out',
  'admin_session_expired',
  'csrf_token_invalid',
  'csrf_cross_site',
  'csrf_origin_mismatch',
  'csrf_origin_missing',
  'admin_forbidden',
] as const

export type AdminCode = (typeof ADMIN_CODES)[number]

/** The HTTP status each refusal is answered with. */
export const ADMIN_STATUS: Readonly<Record<AdminCode, number>> = {
  admin_login_failed: 401,
  admin_locked_out: 429,
  admin_session_expired: 401,
  csrf_token_invalid: 403,
  csrf_cross_site: 403,
  csrf_origin_mismatch: 403,
  csrf_origin_missing: 403,
  admin_forbidden: 403,
}

/** What the console may show, by code: nothing from the request, the account or the session. */
export const ADMIN_MESSAGES: Readonly<Record<AdminCode, string>> = {
  admin_login_failed: 'Wrong name or password.',
  admin_locked_out: 'Too many failed sign-ins. Try again later.',
  admin_session_expired: 'Your session has ended. Sign in again.',
  csrf_token_invalid: 'This form has expired. Reload the page and try again.',
  csrf_cross_site: 'This request came from another site and was refused.',
  csrf_origin_mismatch: 'This request came from another origin and was refused.',
  csrf_origin_missing: 'This request does not say where it came from and was refused.',
  admin_forbidden: 'Your role may not do this.',
}

/**
 * A console refusal with a stable code, its HTTP status and, for a lockout, when to retry.
 * The message is the code's fixed text: it never carries a name, a password, a session id or
 * a token.
 *
 * @example
 * throw new AdminError('admin_locked_out', { retryAfterSeconds: 30 })
 */
export class AdminError extends Error {
  override readonly name = 'AdminError'
  readonly httpStatus: number
  /** `admin_locked_out`: the seconds to send in `Retry-After`. */
  readonly retryAfterSeconds?: number

  constructor(
    readonly code: AdminCode,
    details: { readonly retryAfterSeconds?: number } = {},
  ) {
    super(`${code}: ${ADMIN_MESSAGES[code]}`)
    this.httpStatus = ADMIN_STATUS[code]
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds
  }
}

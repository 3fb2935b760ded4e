/**
 * Reason codes for a rejected signature. They are part of the wire contract
 * (`401 {"error": "<code>"}`), so a code is never renamed or reused once released.
 */
export const VERIFY_CODES = [
  'missing_signature',
  'missing_timestamp',
  'malformed_signature',
  'malformed_timestamp',
  'duplicate_header',
  'stale_timestamp',
  'future_timestamp',
  'signature_mismatch',
  'missing_webhook_id',
] as const

export type VerifyCode = (typeof VERIFY_CODES)[number]

/** Thrown at startup (never per request) when a signing secret cannot be used. */
export class SigningSecretError extends Error {
  override readonly name = 'SigningSecretError'
  readonly code = 'invalid_signing_secret'
}

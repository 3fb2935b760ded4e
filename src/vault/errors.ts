/**
 * Reason codes of the token vault. None of them carries a token, a ciphertext or a key:
 * only the installation key, the token slot or the master key's id (a fingerprint).
 * `vault_unavailable` and `vault_lock_timeout` answer 503 (fail closed); the others are a
 * misconfiguration or tampering, which no retry fixes. Never renamed or reused.
 */
export const VAULT_CODES = [
  'vault_key_missing',
  'vault_key_invalid',
  'vault_key_mismatch',
  'token_decrypt_failed',
  'vault_unavailable',
  'vault_lock_timeout',
] as const

export type VaultCode = (typeof VAULT_CODES)[number]

const STATUS: Readonly<Record<VaultCode, number>> = {
  vault_key_missing: 500,
  vault_key_invalid: 500,
  vault_key_mismatch: 500,
  token_decrypt_failed: 500,
  vault_unavailable: 503,
  vault_lock_timeout: 503,
}

/** Facts about a vault failure: never a secret. */
export interface VaultErrorDetails {
  /** The installation key (`team:T…`), when one is concerned. */
  readonly installation?: string
  /** Which sealed value, e.g. `bot.token`. */
  readonly slot?: string
  /** The id (fingerprint) of the master key that was given. */
  readonly masterKeyId?: string
  /** The id of the master key the data key is wrapped under. */
  readonly expectedMasterKeyId?: string
  readonly cause?: unknown
}

/**
 * A vault failure, with a stable code and a message safe to log or print.
 *
 * @example
 * throw new VaultError('vault_key_mismatch', 'the data key is wrapped under another master key', { masterKeyId, expectedMasterKeyId })
 */
export class VaultError extends Error {
  override readonly name = 'VaultError'
  readonly httpStatus: number
  readonly installation?: string
  readonly slot?: string
  readonly masterKeyId?: string
  readonly expectedMasterKeyId?: string

  constructor(
    readonly code: VaultCode,
    message: string,
    details: VaultErrorDetails = {},
  ) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause })
    this.httpStatus = STATUS[code]
    if (details.installation !== undefined) this.installation = details.installation
    if (details.slot !== undefined) this.slot = details.slot
    if (details.masterKeyId !== undefined) this.masterKeyId = details.masterKeyId
    if (details.expectedMasterKeyId !== undefined) this.expectedMasterKeyId = details.expectedMasterKeyId
  }
}

/** Whatever a store threw (a lost connection, a full disk), as the vault reports it: 503. */
export function unavailable(cause: unknown): VaultError {
  if (cause instanceof VaultError) return cause
  return new VaultError('vault_unavailable', 'the installation store did not answer', { cause })
}

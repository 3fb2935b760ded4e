import { createSecretKey, type KeyObject } from 'node:crypto'
import { SigningSecretError } from './errors.js'

/**
 * A signing secret ready for verification. The key is held as a `KeyObject` so that
 * logging, `JSON.stringify` or `util.inspect` of a config can never print it.
 */
export interface SigningSecret {
  readonly key: KeyObject
  /** Epoch seconds after which the secret no longer verifies anything (rotation). */
  readonly notAfter?: number
}

export interface SigningSecretOptions {
  /** Last moment the secret is accepted, as a Date or epoch seconds. */
  readonly notAfter?: Date | number
}

/**
 * Wraps a signing secret (keyed as its UTF-8 bytes, as Slack documents).
 * An empty or whitespace-only secret is refused: it would make every forgery trivial.
 *
 * @example
 * const secret = createSigningSecret(process.env.SLACK_SIGNING_SECRET ?? '')
 */
export function createSigningSecret(value: string, options: SigningSecretOptions = {}): SigningSecret {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SigningSecretError('signing secret is empty')
  }
  const key = createSecretKey(Buffer.from(value, 'utf8'))
  if (options.notAfter === undefined) return { key }
  const notAfter = options.notAfter instanceof Date ? options.notAfter.getTime() / 1000 : options.notAfter
  if (!Number.isFinite(notAfter)) throw new SigningSecretError('signing secret notAfter is not a valid date')
  return { key, notAfter }
}

/** Accepts secrets as plain strings or prepared `SigningSecret`s; refuses an empty list. */
export function toSigningSecrets(secrets: ReadonlyArray<string | SigningSecret>): SigningSecret[] {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new SigningSecretError('at least one signing secret is required')
  }
  return secrets.map((s) => (typeof s === 'string' ? createSigningSecret(s) : assertSigningSecret(s)))
}

function assertSigningSecret(secret: SigningSecret): SigningSecret {
  if (secret === null || typeof secret !== 'object' || secret.key?.type !== 'secret') {
    throw new SigningSecretError('signing secret must be a string or come from createSigningSecret()')
  }
  return secret
}

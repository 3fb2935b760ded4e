import { DEFAULT_TOLERANCE_SECONDS, type SlackVerifyOptions, type SlackVerifyResult } from './slack-signature.js'
import { SigningSecretError } from './errors.js'
import { toSigningSecrets, type SigningSecret } from './signing-secret.js'

/** Default largest body read before answering 413: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/** Options shared by the Fastify plugin, the Express middleware and the fetch helper. */
export interface SlackVerifierOptions {
  /** Current signing secrets; the first is tried first. Strings are keyed as UTF-8. */
  readonly secrets: ReadonlyArray<string | SigningSecret>
  /** Accepted clock distance in seconds, both directions. Default 300. */
  readonly toleranceSeconds?: number
  /** Largest body in bytes; larger is refused with 413 before any hashing. Default 1 MiB. */
  readonly bodyLimit?: number
  /** Clock in epoch seconds; injectable for tests. */
  readonly clock?: () => number
}

/** A successful verification, as the adapters hand it to handlers. */
export type SlackVerification = Extract<SlackVerifyResult, { ok: true }>

export interface ResolvedVerifierOptions {
  readonly bodyLimit: number
  readonly clock: () => number
  readonly verifyOptions: () => SlackVerifyOptions
}

/** Validates verifier options once, at startup; a bad option throws rather than weakening checks. */
export function resolveVerifierOptions(options: SlackVerifierOptions): ResolvedVerifierOptions {
  if (options === null || typeof options !== 'object') throw new SigningSecretError('options are required')
  const secrets = toSigningSecrets(options.secrets)
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (!Number.isInteger(toleranceSeconds) || toleranceSeconds < 1 || toleranceSeconds > 86_400) {
    throw new RangeError('toleranceSeconds must be an integer from 1 to 86400')
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) throw new RangeError('bodyLimit must be a positive integer')
  const clock = options.clock ?? epochSeconds
  return {
    bodyLimit,
    clock,
    verifyOptions: () => ({ secrets, now: clock(), toleranceSeconds }),
  }
}

export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

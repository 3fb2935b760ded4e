import { scrubSecrets } from '../redact/redact-secrets.js'
import type { DeliveryOutcome } from './job.js'

/** The most of a delivery error a queue keeps. */
const MAX_ERROR_LENGTH = 2000

/**
 * A delivery error as a queue stores and lists it: scrubbed of credentials and bounded. The
 * text comes from a handler or a service and may quote a token it was given; `jobs list`
 * and the queue's storage are no place for it.
 */
export function storedError(error: string): string {
  return scrubSecrets(error).slice(0, MAX_ERROR_LENGTH)
}

/** The outcome of a delivery attempt that threw: a retryable failure. */
export function thrownOutcome(err: unknown): DeliveryOutcome {
  return { ok: false, permanent: false, error: err instanceof Error ? err.message : String(err) }
}

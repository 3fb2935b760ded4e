import { createHmac, timingSafeEqual } from 'node:crypto'
import { VERIFY_CODES, type VerifyCode } from './errors.js'
import type { HeaderValue } from './header-value.js'
import type { SigningSecret } from './signing-secret.js'

/** Slack's header names, lowercase as Node presents them. */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature'
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp'

/** Default accepted distance between Slack's timestamp and our clock, in both directions. */
export const DEFAULT_TOLERANCE_SECONDS = 300

export interface SlackSignatureInput {
  /** The request body exactly as received: these bytes, not a re-serialisation, are hashed. */
  readonly body: Uint8Array
  readonly timestamp: HeaderValue
  readonly signature: HeaderValue
}

export interface SlackVerifyOptions {
  readonly secrets: readonly SigningSecret[]
  /** The verifier's clock, in epoch seconds. */
  readonly now: number
  readonly toleranceSeconds?: number
}

export type SlackVerifyResult =
  | { readonly ok: true; readonly secretIndex: number; readonly timestamp: number }
  | { readonly ok: false; readonly reason: VerifyCode }

// https://api.slack.com/authentication/verifying-requests-from-slack
// The timestamp is 1 to 12 ASCII digits (no sign, space, decimal point or exponent) and the
// signature is "v0=" and 64 lowercase hex digits: anything else did not come from Slack.
const TIMESTAMP_RE = /^[0-9]{1,12}$/
const SIGNATURE_RE = /^v0=[0-9a-f]{64}$/
const DIGEST_BYTES = 32

/**
 * Verifies Slack's v0 request signature: HMAC-SHA256 over `v0:<timestamp>:<raw body>`.
 * Checks run in a fixed order: headers present, headers well formed, timestamp within
 * the window (both directions), then the HMAC for each current secret, compared in
 * constant time. Pure: the clock is `options.now`.
 *
 * @example
 * const result = verifySlackSignature(
 *   { body, timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] },
 *   { secrets: [createSigningSecret(secret)], now: Math.floor(Date.now() / 1000) },
 * )
 * if (!result.ok) reply.code(401).send({ error: result.reason })
 */
export function verifySlackSignature(input: SlackSignatureInput, options: SlackVerifyOptions): SlackVerifyResult {
  const { signature, timestamp } = input
  if (signature === undefined) return reject('missing_signature')
  if (timestamp === undefined) return reject('missing_timestamp')
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return reject('duplicate_header')
  if (!SIGNATURE_RE.test(signature)) return reject('malformed_signature')
  if (!TIMESTAMP_RE.test(timestamp)) return reject('malformed_timestamp')

  const sentAt = Number(timestamp)
  const now = Math.floor(options.now)
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (now - sentAt > tolerance) return reject('stale_timestamp')
  if (sentAt - now > tolerance) return reject('future_timestamp')

  const provided = Buffer.from(signature.slice(3), 'hex')
  const { secrets } = options
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i] as SigningSecret
    if (secret.notAfter !== undefined && now > secret.notAfter) continue
    const expected = createHmac('sha256', secret.key).update(`v0:${timestamp}:`).update(input.body).digest()
    if (expected.length === DIGEST_BYTES && provided.length === DIGEST_BYTES && timingSafeEqual(expected, provided)) {
      return { ok: true, secretIndex: i, timestamp: sentAt }
    }
  }
  return reject('signature_mismatch')
}

/**
 * Computes the `X-Slack-Signature` value for a body, as Slack would send it.
 * Used by `slackgate sign`, tests and benchmarks.
 */
export function signSlackRequest(secret: SigningSecret, timestamp: number | string, body: Uint8Array | string): string {
  const hmac = createHmac('sha256', secret.key).update(`v0:${timestamp}:`).update(body)
  return `v0=${hmac.digest('hex')}`
}

// Rejections are shared frozen values: a flood of forged requests allocates nothing here.
const REJECTIONS = new Map<VerifyCode, SlackVerifyResult>(
  VERIFY_CODES.map((reason) => [reason, Object.freeze({ ok: false, reason })]),
)

function reject(reason: VerifyCode): SlackVerifyResult {
  return REJECTIONS.get(reason) as SlackVerifyResult
}

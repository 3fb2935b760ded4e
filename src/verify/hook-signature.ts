import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto'
import type { VerifyCode } from './errors.js'
import type { HeaderValue } from './header-value.js'
import type { HookScheme } from './hook-schemes.js'

/** A source's secret, as key bytes held in a KeyObject (never printable), with its rotation date. */
export interface HookSecret {
  readonly key: KeyObject
  /** Epoch seconds after which it verifies nothing. */
  readonly notAfter?: number
}

export interface HookSignatureInput {
  readonly body: Uint8Array
  /** Reads a header as it arrived (lowercase name): absent, once, or repeated. */
  readonly header: (name: string) => HeaderValue
}

export interface HookVerifyOptions {
  readonly secrets: readonly HookSecret[]
  /** Epoch seconds. */
  readonly now: number
  readonly toleranceSeconds: number
}

export type HookVerifyResult =
  | {
      readonly ok: true
      readonly secretIndex: number
      readonly timestamp?: number
      readonly id?: string
      /** The HMAC that verified, as bytes: the same however the header spelt it. */
      readonly mac: Buffer
      /**
       * SHA-256 of exactly the content the HMAC covers (for GitHub, the body). The same for a
       * delivery whichever secret or listed signature verified it: the replay key of a hook.
       */
      readonly contentHash: Buffer
    }
  | { readonly ok: false; readonly reason: VerifyCode }

const TIMESTAMP = /^[0-9]{1,12}$/
const ID = /^[\x21-\x7e]{1,255}$/

/**
 * Verifies a webhook signed with an HMAC, by its scheme. The order is Slack's: the headers
 * present and sent once, well formed, the timestamp within the window in both directions,
 * then the HMAC of the raw body for each current secret against each signature the header
 * lists, compared in constant time. The same reason codes as Slack's, plus
 * `missing_webhook_id` for a scheme that signs its id. Pure: the clock is `options.now`.
 */
export function verifyHookSignature(input: HookSignatureInput, scheme: HookScheme, options: HookVerifyOptions): HookVerifyResult {
  const signature = input.header(scheme.signatureHeader)
  const timestampHeader = scheme.timestampHeader === undefined ? undefined : input.header(scheme.timestampHeader)
  const idHeader = scheme.idHeader === undefined ? undefined : input.header(scheme.idHeader)
  if (signature === undefined) return reject('missing_signature')
  if (typeof signature !== 'string' || Array.isArray(timestampHeader) || Array.isArray(idHeader)) return reject('duplicate_header')
  if (scheme.unsignedHeaders?.some((name) => Array.isArray(input.header(name))) === true) return reject('duplicate_header')
  if (scheme.timestampHeader !== undefined && timestampHeader === undefined) return reject('missing_timestamp')
  if (scheme.idRequired && idHeader === undefined) return reject('missing_webhook_id')

  const parsed = scheme.parse(signature)
  if (!parsed.ok) return reject('malformed_signature')
  const timestamp = (timestampHeader as string | undefined) ?? parsed.timestamp
  const id = idHeader as string | undefined
  if (id !== undefined && !ID.test(id)) return reject(scheme.idRequired ? 'missing_webhook_id' : 'malformed_signature')

  const now = Math.floor(options.now)
  let sentAt: number | undefined
  if (scheme.timestamped) {
    if (timestamp === undefined) return reject('missing_timestamp')
    if (!TIMESTAMP.test(timestamp)) return reject('malformed_timestamp')
    sentAt = Number(timestamp)
    if (now - sentAt > options.toleranceSeconds) return reject('stale_timestamp')
    if (sentAt - now > options.toleranceSeconds) return reject('future_timestamp')
  }

  const parts = scheme.signed({ body: input.body, ...(timestamp !== undefined && { timestamp }), ...(id !== undefined && { id }) })
  const { secrets } = options
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i] as HookSecret
    if (secret.notAfter !== undefined && now > secret.notAfter) continue
    const hmac = createHmac(scheme.algorithm, secret.key)
    for (const part of parts) hmac.update(part)
    const expected = hmac.digest()
    for (const provided of parsed.digests) {
      if (provided.length === expected.length && timingSafeEqual(provided, expected)) {
        const contentHash = createHash('sha256')
        for (const part of parts) contentHash.update(part)
        return { ok: true, secretIndex: i, ...(sentAt !== undefined && { timestamp: sentAt }), ...(id !== undefined && { id }), mac: expected, contentHash: contentHash.digest() }
      }
    }
  }
  return reject('signature_mismatch')
}

function reject(reason: VerifyCode): HookVerifyResult {
  return { ok: false, reason }
}

import type { SlackRequest } from '../slack/slack-request.js'

/**
 * The keys a verified request claims. `primary` is the most specific id the payload carries
 * (a custom step's function_execution_id, an event_id, a trigger_id), else the signature;
 * it is claimed atomically with the enqueue. `others` (the signature, at least) are claimed
 * in the NonceStore before. A request is a duplicate if any of its keys was claimed before.
 */
export interface NonceKeys {
  readonly primary: string
  readonly others: readonly string[]
}

/**
 * Derives the nonce keys of a request. An exact replay repeats the signature; a Slack retry
 * (new timestamp and signature, `X-Slack-Retry-Num`) repeats the event_id.
 *
 * @example
 * nonceKeys(eventRequest, 'v0=ab12…') // { primary: 'event:Ev123', others: ['sig:ab12…'] }
 */
export function nonceKeys(request: SlackRequest, signature: string): NonceKeys {
  const sig = `sig:${signature.startsWith('v0=') ? signature.slice(3) : signature}`
  const ids: string[] = []
  if (request.kind === 'function_executed') {
    // A custom workflow step runs once per execution, whatever event carried it.
    ids.push(`function:${request.functionExecutionId}`, `event:${request.eventId}`)
  } else if (request.kind === 'event') {
    ids.push(`event:${request.eventId}`)
  } else if ('triggerId' in request && request.triggerId !== undefined) {
    ids.push(`trigger:${request.triggerId}`)
  }
  const [primary, ...rest] = ids
  return primary === undefined ? { primary: sig, others: [] } : { primary, others: [sig, ...rest] }
}

/**
 * The nonce keys of a verified webhook (not Slack's own scheme; see `nonceKeys` for that). The
 * delivery is known by the SHA-256 of the content its HMAC covers, never by how the header
 * spelt the signature, and the same whichever secret or listed signature verified it: a
 * captured delivery sent again, re-spelt or with new unsigned headers, is the same key. A
 * delivery id is a key only when it is signed (`signedId`); it is then the primary key, so a
 * sender's retry, signed anew, is a duplicate too.
 *
 * @example
 * hookNonceKeys('github', bodyDigest) // { primary: 'hook-signed:github:3q2-7w…', others: [] }
 */
export function hookNonceKeys(source: string, contentHash: Uint8Array, signedId?: string): NonceKeys {
  const content = `hook-signed:${source}:${Buffer.from(contentHash).toString('base64url')}`
  return signedId === undefined ? { primary: content, others: [] } : { primary: `hook:${source}:${signedId}`, others: [content] }
}

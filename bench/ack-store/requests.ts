import { createHash } from 'node:crypto'
import { decodeSlackRequest } from '../../src/slack/decode.js'
import { nonceKeys, type NonceKeys } from '../../src/replay/nonce-keys.js'
import type { SlackRequest } from '../../src/slack/slack-request.js'
import { commandBodyPrefix, triggerId } from '../lib/slash-command.js'

/** One verified slash command as the admission stage gets it. */
export interface SimRequest {
  readonly request: SlackRequest
  readonly keys: NonceKeys
  readonly requestId: string
  readonly receivedAt: number
  readonly body: Buffer
}

const POOL = 2_000

/**
 * Distinct requests of about 600 bytes. Decoding is not storage: a pool of slash commands is
 * decoded by the gateway's decoder before the run, and each request takes one of them with
 * keys of its own (a signature key and a trigger id, as the gateway keys a command), so that
 * no two requests share a key.
 */
export function requestSource(run: string): () => SimRequest {
  const prefix = commandBodyPrefix(600)
  const pool = Array.from({ length: POOL }, (_, i) => {
    const body = Buffer.from(prefix + triggerId(run, i))
    const decoded = decodeSlackRequest('commands', body)
    if (!decoded.ok) throw new Error(`bench body does not decode: ${decoded.detail}`)
    return { request: decoded.request, body }
  })
  const salt = createHash('sha256').update(run).digest('hex').slice(0, 32)
  let n = 0
  return () => {
    const { request, body } = pool[n % POOL] as (typeof pool)[number]
    const id = `${run}.${n++}`
    const keys = nonceKeys(request, `v0=${salt}${id}`)
    return { request, keys: { primary: `trigger:${id}`, others: keys.others }, requestId: `req-${id}`, receivedAt: Date.now(), body }
  }
}

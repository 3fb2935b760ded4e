import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { HookSource } from '../config/hook-sources.js'
import type { Admission, AdmitInput } from '../dispatch/admit.js'
import { admitRequest } from './admit-request.js'
import { decodeHook } from '../hooks/decode-hook.js'
import type { Authorize } from '../policy/authorize.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import { useRawBodyParsers } from '../verify/fastify-raw-body.js'
import { rawHeaderValue } from '../verify/header-value.js'
import { verifyHookSignature } from '../verify/hook-signature.js'
import type { RequestOutcome } from './outcome.js'

export interface HookRoutesOptions {
  readonly bodyLimit: number
  readonly sources: readonly HookSource[]
  readonly authorize: Authorize
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Starts the request's audit record now, to commit with its job (see http/audit-hook.ts). */
  readonly recordEarly: (request: FastifyRequest) => void
  /** Epoch seconds. */
  readonly clock: () => number
}

/**
 * `POST /hooks/:source`: a webhook from another system, verified by its source's HMAC
 * scheme (raw body, timestamp window, every current secret, constant-time), then decoded
 * and sent through the same pipeline as Slack's requests: policy, dedupe (the delivery id,
 * and the signature for an exact replay), audit, durable enqueue, and only then the 200.
 */
export async function hookRoutes(app: FastifyInstance, options: HookRoutesOptions): Promise<void> {
  const sources = new Map(options.sources.map((s) => [s.name, s]))
  await app.register(async (scope) => {
    useRawBodyParsers(scope, ['application/json', 'application/x-www-form-urlencoded'], options.bodyLimit)
    scope.post<{ Params: { source: string } }>('/hooks/:source', async function handleHook(request, reply) {
      const source = sources.get(request.params.source)
      if (source === undefined) return refuse(request, reply, 404, 'not_found')
      if (!Buffer.isBuffer(request.body)) return refuse(request, reply, 415, 'unsupported_media_type')
      const raw = request.body
      const header = (name: string) => rawHeaderValue(request.raw.rawHeaders, name)

      const verified = verifyHookSignature({ body: raw, header }, source.scheme, {
        secrets: source.secrets,
        now: options.clock(),
        toleranceSeconds: source.toleranceSeconds,
      })
      if (!verified.ok) return refuse(request, reply, 401, verified.reason)

      const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      const eventHeader = header('x-github-event')
      const decoded = decodeHook(source.name, raw, form, {
        ...(source.scheme.preset === 'github' && typeof eventHeader === 'string' && { eventHeader }),
        ...(verified.id !== undefined && { id: verified.id }),
        idFromBody: source.scheme.preset === 'stripe',
      })
      if (!decoded.ok) return refuse(request, reply, 400, decoded.reason, decoded.detail)
      const hook = decoded.value
      request.auditContext = { request: hook }

      let decision = options.authorize(hook)
      if (decision instanceof Promise) decision = await decision
      if (decision !== undefined && !decision.allow) {
        request.outcome = { verdict: 'denied', reason: decision.reason, kind: 'hook', route: decision.route, rule: decision.rule }
        return reply.code(403).send({ error: 'forbidden', reason: decision.reason })
      }

      const keys = hookKeys(source.name, hook.deliveryId, verified.signature)
      request.auditContext = { request: hook, keys }
      const admitted = await admitRequest(request, options, { request: hook, keys, receivedAt: Date.now() }, { kind: 'hook', decision })
      if (admitted.verdict === 'unavailable') return reply.code(503).send({ error: admitted.reason })
      return reply.code(200).send({ ok: true })
    })
  })
}

/**
 * The delivery id, when the scheme has one, is claimed atomically with the job (a redelivery
 * is a duplicate); the signature is claimed too, so an exact replay is refused even from a
 * scheme without an id or a timestamp (GitHub), for as long as the replay TTL.
 */
function hookKeys(source: string, deliveryId: string | undefined, signature: string): NonceKeys {
  const sig = `hook-sig:${source}:${createHash('sha256').update(signature).digest('base64url')}`
  return deliveryId === undefined ? { primary: sig, others: [] } : { primary: `hook:${source}:${deliveryId}`, others: [sig] }
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, reason: string, detail?: string): FastifyReply {
  const outcome: RequestOutcome = { verdict: 'rejected', reason, kind: 'hook', ...(detail !== undefined && { detail }) }
  request.outcome = outcome
  return reply.code(status).send({ error: reason })
}

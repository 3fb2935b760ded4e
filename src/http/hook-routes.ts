import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { HookSource } from '../config/hook-sources.js'
import type { Admission, AdmitInput } from '../dispatch/admit.js'
import type { ResponseMessage } from '../dispatch/sdk.js'
import { admitRequest } from './admit-request.js'
import type { ClientCertificateHook } from './client-certificate-hook.js'
import { decodeHook } from '../hooks/decode-hook.js'
import { decodeSlackHook, slackHookRequest } from '../hooks/decode-slack-hook.js'
import type { HookRequest } from '../hooks/hook-request.js'
import type { Authorize, RouteDecision } from '../policy/authorize.js'
import type { SlackRequest } from '../slack/slack-request.js'
import { hookNonceKeys, nonceKeys, type NonceKeys } from '../replay/nonce-keys.js'
import { useRawBodyParsers } from '../verify/fastify-raw-body.js'
import { rawHeaderValue } from '../verify/header-value.js'
import { verifyHookSignature } from '../verify/hook-signature.js'
import type { RequestOutcome } from './outcome.js'
import { deniedText, denialBody, denialResponseUrl, ephemeralMessage } from './policy-denial.js'

export interface HookRoutesOptions {
  readonly bodyLimit: number
  readonly sources: readonly HookSource[]
  readonly authorize: Authorize
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Starts the request's audit record now, to commit with its job (see http/audit-hook.ts). */
  readonly recordEarly: (request: FastifyRequest) => void
  /** Epoch seconds. */
  readonly clock: () => number
  /** Slack's client certificate check of the Slack routes, when configured: `preset: slack` sources run it too. */
  readonly slackClientCheck?: ClientCertificateHook
  /** Posts a refusal to an interaction's response_url (`preset: slack` sources). */
  readonly respond?: (responseUrl: string, message: ResponseMessage) => Promise<void>
}

type Verified = Extract<ReturnType<typeof verifyHookSignature>, { ok: true }>
/** What a source's body decoded to: the hook request, its nonce keys, and for a Slack source the Slack request. */
type Decoded =
  | { readonly ok: true; readonly hook: HookRequest; readonly keys: NonceKeys; readonly slack?: SlackRequest }
  | { readonly ok: false; readonly reason: string; readonly detail: string }

/**
 * `POST /hooks/:source`: a webhook from another system, verified by its source's HMAC
 * scheme (raw body, timestamp window, every current secret, constant-time), then decoded
 * and sent through the same pipeline as Slack's requests: policy, dedupe (the signed
 * delivery id, and the digest of the signed content, for the source's `dedupeSeconds`),
 * audit, durable enqueue, and only then the 200. A `preset: slack` source is a Slack
 * endpoint under another path: the client certificate, access policy, replay keys and
 * refusals of `/slack/*` apply to it.
 */
export async function hookRoutes(app: FastifyInstance, options: HookRoutesOptions): Promise<void> {
  const sources = new Map(options.sources.map((s) => [s.name, s]))
  const { slackClientCheck } = options
  await app.register(async (scope) => {
    useRawBodyParsers(scope, ['application/json', 'application/x-www-form-urlencoded'], options.bodyLimit)
    if (slackClientCheck !== undefined) {
      // Before the body is read, as on /slack/*: only a Slack source asks for Slack's certificate.
      scope.addHook('onRequest', async (request: FastifyRequest<{ Params: { source?: string } }>, reply) => {
        const source = sources.get(request.params.source ?? '')
        return source?.scheme.preset === 'slack' ? slackClientCheck(request, reply) : undefined
      })
    }
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
      const decoded = source.scheme.preset === 'slack' ? decodeSlack(source.name, raw, form, verified) : decodeOther(source, raw, form, verified, header)
      if (!decoded.ok) return refuse(request, reply, 400, decoded.reason, decoded.detail)
      const { hook, keys, slack } = decoded
      request.auditContext = { request: hook }
      // Answered like /slack/events, and only now that the signature verified.
      if (slack?.kind === 'url_verification') {
        request.outcome = { verdict: 'handshake', kind: slack.kind }
        return reply.code(200).send({ challenge: slack.challenge })
      }
      if (slack?.kind === 'ssl_check') {
        request.outcome = { verdict: 'ssl_check', kind: slack.kind }
        return reply.code(200).send()
      }

      let decision = options.authorize(hook)
      if (decision instanceof Promise) decision = await decision
      if (decision !== undefined && !decision.allow) {
        request.outcome = { verdict: 'denied', reason: decision.reason, kind: 'hook', route: decision.route, rule: decision.rule }
        return slack === undefined ? reply.code(403).send({ error: 'forbidden', reason: decision.reason }) : denySlack(request, reply, slack, decision, options.respond)
      }

      request.auditContext = { request: hook, keys }
      const admitted = await admitRequest(
        request,
        options,
        { request: hook, keys, keyTtlSeconds: source.dedupeSeconds, receivedAt: Date.now() },
        { kind: 'hook', decision },
      )
      if (admitted.verdict === 'unavailable') return reply.code(503).send({ error: admitted.reason })
      return slack === undefined ? reply.code(200).send({ ok: true }) : reply.code(200).send()
    })
  })
}

function decodeOther(source: HookSource, raw: Buffer, form: boolean, verified: Verified, header: (name: string) => unknown): Decoded {
  const unsigned = source.scheme.unsignedHeaders
  const decoded = decodeHook(source.name, raw, form, {
    ...(verified.id !== undefined && { id: verified.id }),
    idFromBody: source.scheme.preset === 'stripe',
    // Verified above: each is absent or sent once.
    ...(unsigned !== undefined && { unsignedHeaders: Object.fromEntries(unsigned.map((name) => [name, header(name) as string | undefined])) }),
  })
  if (!decoded.ok) return decoded
  const hook = decoded.value
  // Only signed ids dedupe: decodeHook takes the id from the signed header or body alone.
  return { ok: true, hook, keys: hookNonceKeys(source.name, verified.contentHash, hook.deliveryId) }
}

/**
 * A Slack source: decoded as `/slack/*` decodes, with the same nonce keys (the signature's
 * bytes, then the event_id or trigger_id), so that one request is accepted once across
 * `/slack/*` and every Slack source.
 */
function decodeSlack(name: string, raw: Buffer, form: boolean, verified: Verified): Decoded {
  const decoded = decodeSlackHook(raw, form)
  if (!decoded.ok) return decoded
  const slack = decoded.request
  return { ok: true, hook: slackHookRequest(name, slack), keys: nonceKeys(slack, `v0=${verified.mac.toString('hex')}`), slack }
}

/** Refused by policy, told as `/slack/*` tells it: a 200, with the notice where Slack shows one. */
function denySlack(
  request: FastifyRequest,
  reply: FastifyReply,
  slack: SlackRequest,
  decision: RouteDecision & { readonly allow: false },
  respond: HookRoutesOptions['respond'],
): FastifyReply {
  const text = deniedText(decision.reason, decision.adminContact)
  const responseUrl = denialResponseUrl(slack)
  if (responseUrl !== undefined && respond !== undefined) {
    respond(responseUrl, ephemeralMessage(text)).catch((err: unknown) => {
      request.log.warn({ err, reason: decision.reason }, 'could not post the refusal to response_url')
    })
  }
  const body = denialBody(slack, text)
  return body === undefined ? reply.code(200).send() : reply.code(200).send(body)
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, reason: string, detail?: string): FastifyReply {
  const outcome: RequestOutcome = { verdict: 'rejected', reason, kind: 'hook', ...(detail !== undefined && { detail }) }
  request.outcome = outcome
  return reply.code(status).send({ error: reason })
}

import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WorkflowEndpoint } from '../config/workflow-endpoints.js'
import type { Admission, AdmitInput } from '../dispatch/admit.js'
import { admitRequest } from './admit-request.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import { useRawBodyParsers } from '../verify/fastify-raw-body.js'
import { rawHeaderValue } from '../verify/header-value.js'
import { createJwtVerifier, DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS, type JwtIdentity, type JwtVerifier } from '../verify/jwt-bearer.js'
import { jwtCodeStatus } from '../verify/jwt-errors.js'
import { decodeWorkflowCall } from '../workflow/decode-workflow-call.js'
import type { Authorize } from '../policy/authorize.js'
import type { RequestOutcome } from './outcome.js'

export interface WorkflowRoutesOptions {
  readonly bodyLimit: number
  readonly endpoints: readonly WorkflowEndpoint[]
  readonly authorize: Authorize
  /** Starts the request's audit record now, to commit with its job (see http/audit-hook.ts). */
  readonly recordEarly: (request: FastifyRequest) => void
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

interface Served extends WorkflowEndpoint {
  readonly verify: JwtVerifier
}

/**
 * `POST /workflows/:name`: a workflow endpoint. Authenticate (the endpoint's bearer-token
 * rules), decode and validate the JSON body, authorize (the route's access policy), then the
 * same pipeline as Slack's requests: dedupe (a single-use token's `jti`), route, durable
 * enqueue, and only then the 200.
 */
export async function workflowRoutes(app: FastifyInstance, options: WorkflowRoutesOptions): Promise<void> {
  const now = options.now ?? Date.now
  const endpoints = new Map<string, Served>(
    options.endpoints.map((e) => [e.name, { ...e, verify: createJwtVerifier({ ...e.verifier, requireJti: e.singleUse, now }) }]),
  )
  await app.register(async (json) => {
    useRawBodyParsers(json, ['application/json'], options.bodyLimit)
    json.post<{ Params: { name: string } }>('/workflows/:name', async function handleWorkflowCall(request, reply) {
      const endpoint = endpoints.get(request.params.name)
      if (endpoint === undefined) return refuse(request, reply, 404, 'not_found')

      // From the raw headers: Node keeps only the first of two Authorization headers, and
      // a repeat is refused (malformed_token) rather than picked from.
      const verdict = await endpoint.verify(rawHeaderValue(request.raw.rawHeaders, 'authorization'))
      if (!verdict.ok) {
        const status = jwtCodeStatus(verdict.reason)
        if (status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"')
        if (status === 403) reply.header('www-authenticate', 'Bearer error="insufficient_scope"')
        return refuse(request, reply, status, verdict.reason)
      }
      const { identity } = verdict
      if (!Buffer.isBuffer(request.body)) return refuse(request, reply, 415, 'unsupported_media_type', undefined, identity)
      const decoded = decodeWorkflowCall(endpoint.name, identity, request.body, endpoint.validateBody)
      if (!decoded.ok) return refuse(request, reply, 400, decoded.reason, decoded.detail, identity)

      request.auditContext = { request: decoded.value }
      let decision = options.authorize(decoded.value)
      if (decision instanceof Promise) decision = await decision
      const subject = identity.subject !== undefined ? { subject: identity.subject } : {}
      if (decision !== undefined && !decision.allow) {
        request.outcome = { verdict: 'denied', reason: decision.reason, kind: 'workflow', route: decision.route, rule: decision.rule, ...subject }
        return reply.code(403).send({ error: 'forbidden', reason: decision.reason })
      }
  
      const at = now()
      const tolerance = endpoint.verifier.clockToleranceSeconds ?? DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS
      const keys = workflowKeys(endpoint, identity, request.id)
      request.auditContext = { request: decoded.value, keys }
      const admitted = await admitRequest(
        request,
        options,
        // A used token must stay refused for as long as it could still verify.
        { request: decoded.value, keys, receivedAt: at, keyTtlSeconds: identity.expiresAt + tolerance - Math.floor(at / 1000) + 1 },
        { kind: 'workflow', decision, ...subject },
      )
      switch (admitted.verdict) {
        case 'unavailable':
          return reply.code(503).send({ error: admitted.reason })
        case 'accepted':
          return reply.code(200).send({ ok: true, jobId: admitted.jobId })
        case 'duplicate':
          return reply.code(200).send({ ok: true, duplicate: true })
        case 'unrouted':
          // The endpoint is its route's match, so this means the route list changed under it.
          return reply.code(404).send({ error: 'not_found' })
      }
    })
  })
}

/**
 * A single-use token is claimed by endpoint, issuer and `jti` (hashed: a `jti` is the
 * caller's text), and at most one job exists per token. A reusable token makes every call
 * a new job.
 */
function workflowKeys(endpoint: WorkflowEndpoint, identity: JwtIdentity, requestId: string): NonceKeys {
  if (!endpoint.singleUse || identity.tokenId === undefined) return { primary: `call:${requestId}`, others: [] }
  const digest = createHash('sha256').update(`${endpoint.name}\0${identity.issuer ?? ''}\0${identity.tokenId}`).digest('base64url')
  return { primary: `jti:${digest}`, others: [] }
}

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  reason: string,
  detail?: string,
  identity?: JwtIdentity,
): FastifyReply {
  const outcome: RequestOutcome = {
    verdict: 'rejected',
    reason,
    kind: 'workflow',
    ...(detail !== undefined && { detail }),
    ...(identity?.subject !== undefined && { subject: identity.subject }),
  }
  request.outcome = outcome
  return reply.code(status).send({ error: reason })
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditLog } from '../audit/audit-log.js'
import { requestRecord } from '../audit/records.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'

/** What the pipeline learnt about a request that its audit record needs beyond the outcome. */
export interface AuditContext {
  /** The decoded request: set only once its signature (or token) verified. */
  readonly request?: InboundRequest
  readonly keys?: NonceKeys
  /** The record's write, once started. */
  written?: Promise<void>
}

declare module 'fastify' {
  interface FastifyRequest {
    auditContext: AuditContext | null
  }
}

export interface RequestAuditorOptions {
  readonly audit: AuditLog
  /** Whether a route opted in to keeping payloads. */
  readonly storesPayload: (route: string) => boolean
  readonly now?: () => number
}

export interface RequestAuditor {
  /**
   * Starts writing the request's record from its outcome so far. The pipeline calls it the
   * moment an accepted job is queued, so that both commit in one batch; `onSend` then only
   * waits for it.
   */
  start(request: FastifyRequest): void
  /** The `onSend` hook: the record is durable before the answer leaves. */
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown>
}

/** The ingress endpoints whose every request is recorded. */
const SOURCES = new Map([
  ['/slack/events', 'events'],
  ['/slack/commands', 'commands'],
  ['/slack/interactions', 'interactions'],
  ['/workflows/:name', 'workflows'],
  ['/hooks/:source', 'hooks'],
])

/**
 * Records every request to an ingress endpoint before its answer leaves, whatever answered
 * it (a stage, or the error handler for a body too large). If the record cannot be written,
 * the answer becomes 503 `audit_unavailable`: a request that cannot be accounted for is not
 * acknowledged, and Slack retries it.
 */
export function createRequestAuditor(options: RequestAuditorOptions): RequestAuditor {
  const now = options.now ?? Date.now

  function write(request: FastifyRequest, source: string, status: number): Promise<void> {
    const { outcome } = request
    const context = request.auditContext
    const route = outcome?.route
    return options.audit.append(
      requestRecord({
        at: now(),
        requestId: request.id,
        source,
        verdict: outcome?.verdict ?? (status < 400 ? 'accepted' : 'rejected'),
        reason: outcome?.reason,
        request: context?.request,
        route,
        rule: outcome?.rule,
        keys: context?.keys,
        jobId: outcome?.jobId,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
        storePayload: route !== undefined && options.storesPayload(route),
      }),
    )
  }

  return {
    start(request) {
      const source = SOURCES.get(request.routeOptions.url ?? '')
      const context = request.auditContext
      if (source === undefined || context === null || context.written !== undefined) return
      context.written = write(request, source, 200)
      // Awaited in onSend; a failure is handled there.
      context.written.catch(() => undefined)
    },
    async onSend(request, reply, payload) {
      const source = SOURCES.get(request.routeOptions.url ?? '')
      if (source === undefined) return payload
      try {
        await (request.auditContext?.written ?? write(request, source, reply.statusCode))
        return payload
      } catch (err) {
        request.log.error({ err, reason: 'audit_unavailable' }, 'request not recorded in the audit log')
        // Already refused for a store that is down: that answer stands (nothing was taken).
        if (reply.statusCode >= 500) return payload
        request.outcome = { ...request.outcome, verdict: 'rejected', reason: 'audit_unavailable' }
        reply.code(503).type('application/json; charset=utf-8').header('content-length', null)
        return JSON.stringify({ error: 'audit_unavailable' })
      }
    },
  }
}

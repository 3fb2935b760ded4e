import { createHash } from 'node:crypto'
import type { DeliveryOutcome, Job } from '../dispatch/job.js'
import type { JobPayload } from '../dispatch/job-payload.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import { scrubSecrets } from '../redact/redact-secrets.js'
import type { AuditKind, AuditRecord } from './audit-record.js'

/**
 * Slack events about the app itself: always recorded, routed or not, and marked
 * `lifecycle` so a compliance query finds them apart from the traffic.
 */
export const LIFECYCLE_EVENTS: ReadonlySet<string> = new Set([
  'app_uninstalled',
  'app_uninstalled_team',
  'tokens_revoked',
  'app_rate_limited',
  'grid_migration_started',
  'grid_migration_finished',
  'team_access_granted',
  'team_access_revoked',
])

export interface RequestAuditInput {
  readonly at: number
  readonly requestId: string
  readonly source: string
  readonly verdict: string
  readonly reason?: string
  /** The decoded request, once its signature (or token) verified; nothing from it before. */
  readonly request?: InboundRequest
  readonly route?: string
  readonly rule?: string
  readonly keys?: NonceKeys
  readonly jobId?: string
  /** The raw body: only its SHA-256 is kept. */
  readonly body?: Uint8Array
  /** Keep the verified payload itself (the route opted in). */
  readonly storePayload?: boolean
}

/** The audit record of one inbound request. */
export function requestRecord(input: RequestAuditInput): AuditRecord {
  const { request } = input
  const c = request?.context
  return {
    at: input.at,
    kind: kindOf(request),
    requestId: input.requestId,
    source: input.source,
    verdict: input.verdict,
    reason: input.reason,
    type: request === undefined ? undefined : typeOf(request),
    teamId: c?.teamId,
    enterpriseId: c?.enterpriseId,
    channelId: c?.channelId,
    userId: c?.userId,
    subject: request?.kind === 'workflow' ? request.identity.subject : undefined,
    route: input.route,
    rule: input.rule,
    nonceKeys: input.keys === undefined ? undefined : auditKeys(input.keys),
    jobId: input.jobId,
    bodySha256: input.body === undefined ? undefined : createHash('sha256').update(input.body).digest('hex'),
    payload: input.storePayload === true && request !== undefined ? JSON.stringify(request.payload) : undefined,
  }
}

/** The audit record of one delivery attempt: where it went and what came of it. */
export function deliveryRecord(job: Job, target: string | undefined, outcome: DeliveryOutcome, at: number): AuditRecord {
  const { requestId, request } = job.payload as JobPayload
  const c = request.context
  const verdict = outcome.ok ? 'delivered' : outcome.permanent || job.attempt >= job.maxAttempts ? 'dead' : 'retrying'
  return {
    at,
    kind: 'delivery',
    requestId,
    source: request.source,
    verdict,
    reason: outcome.ok ? undefined : outcome.permanent ? 'permanent_failure' : 'delivery_failed',
    type: typeOf(request),
    teamId: c.teamId,
    enterpriseId: c.enterpriseId,
    channelId: c.channelId,
    userId: c.userId,
    subject: request.kind === 'workflow' ? request.identity.subject : undefined,
    route: job.route,
    jobId: job.id,
    target,
    attempt: job.attempt,
    outcome: outcome.ok ? undefined : scrub(outcome.error),
  }
}

function kindOf(request: InboundRequest | undefined): AuditKind {
  if (request?.kind === 'app_rate_limited') return 'lifecycle'
  return request?.kind === 'event' && LIFECYCLE_EVENTS.has(request.type) ? 'lifecycle' : 'request'
}

function typeOf(request: InboundRequest): string {
  switch (request.kind) {
    case 'command':
      return request.command
    case 'event':
      return request.type
    case 'function_executed':
      return request.callbackId
    case 'block_actions':
      return request.actionIds.join(',')
    case 'view_submission':
    case 'view_closed':
    case 'shortcut':
    case 'message_action':
      return request.callbackId
    case 'block_suggestion':
      return request.actionId
    case 'workflow':
      return request.workflow
    case 'hook':
      return request.event ?? request.hook
    default:
      return request.kind
  }
}

// A nonce key made from the signature would put the signature in the log: keep a digest.
function auditKeys(keys: NonceKeys): string[] {
  return [...keys.others, keys.primary].map((k) => (k.startsWith('sig:') ? `sig#${createHash('sha256').update(k).digest('hex').slice(0, 32)}` : k))
}

// A delivery error is free text from a handler or a service: short, and scrubbed.
function scrub(error: string): string {
  return scrubSecrets(error).slice(0, 300)
}

import type { Job } from '../dispatch/job.js'
import type { JobPayload } from '../dispatch/job-payload.js'
import type { CompletionResult, StepCompletion } from '../functions/complete-step.js'
import type { StepRef } from '../functions/step-of.js'
import { scrubSecrets } from '../redact/redact-secrets.js'
import type { AuditRecord } from './audit-record.js'

/** How the step ended, as the audit log says it. */
export type StepVerdict = 'completed' | 'failed' | 'already_completed' | 'not_completed'

/**
 * The audit record of the gateway finishing a custom step: `completed` (completeSuccess),
 * `failed` (completeError, the message sent in `outcome`), `already_completed` (Slack said
 * it was finished before), or `not_completed` (the call failed for good: `reason`, Slack's
 * error in `outcome`). `subject` is the function_execution_id, `target` the method called.
 * `reason` on `failed` says why the gateway failed the step, when it did (not the handler).
 * Never the token.
 */
export function stepRecord(input: {
  readonly at: number
  readonly job: Job
  readonly step: StepRef
  readonly completion: StepCompletion
  readonly result: CompletionResult
  /** Why the gateway failed the step itself (inputs, outputs, expiry), if it did. */
  readonly reason?: string
}): AuditRecord {
  const { job, step, completion, result } = input
  const { requestId, request } = job.payload as JobPayload
  const c = request.context
  const success = 'outputs' in completion
  const verdict = stepVerdict(completion, result)
  return {
    at: input.at,
    kind: 'step',
    requestId,
    source: request.source,
    verdict,
    reason: result.status === 'failed' ? result.reason : input.reason,
    type: step.callbackId ?? request.kind,
    teamId: c.teamId,
    enterpriseId: c.enterpriseId,
    channelId: c.channelId,
    userId: c.userId,
    subject: step.executionId,
    route: job.route,
    jobId: job.id,
    target: success ? 'functions.completeSuccess' : 'functions.completeError',
    attempt: job.attempt,
    outcome: scrubSecrets(result.status === 'failed' ? result.error : 'error' in completion ? completion.error : '').slice(0, 300) || undefined,
  }
}

/** How a finish ended: what Slack was asked (`completion`) and what came of it (`result`). */
export function stepVerdict(completion: StepCompletion, result: CompletionResult): StepVerdict {
  if (result.status === 'failed') return 'not_completed'
  if (result.status === 'already_completed') return 'already_completed'
  return 'outputs' in completion ? 'completed' : 'failed'
}

import type { Logger } from 'pino'
import type { AuditLog } from '../audit/audit-log.js'
import { stepRecord, stepVerdict, type StepVerdict } from '../audit/step-record.js'
import type { Delivered, Delivery } from '../dispatch/deliverer.js'
import type { DeliveryOutcome, Job } from '../dispatch/job.js'
import type { JobPayload } from '../dispatch/job-payload.js'
import type { JobHandler } from '../dispatch/job-queue.js'
import type { Route } from '../dispatch/router.js'
import type { BodyValidator } from '../workflow/body-schema.js'
import type { CompletionResult, StepCompleter, StepCompletion } from './complete-step.js'
import { DEFAULT_STEP_ERROR_MESSAGE } from './errors.js'
import { stepOf, type StepRef } from './step-of.js'
import type { StepTokens } from './step-token.js'

/**
 * The least time an attempt of a step needs before its token expires: an attempt (or a
 * retry) that would start later fails the step at once, while its token can still say so.
 */
export const STEP_RUNWAY_MS = 30_000

/**
 * How long before its token expires a step's handler (or service) must have answered: the
 * rest is for failing the step. A handler still running then is abandoned, its answer ignored.
 */
export const STEP_ANSWER_MARGIN_MS = 20_000

export interface StepFinisherDeps {
  readonly routes: readonly Route[]
  readonly tokens: StepTokens
  readonly complete: StepCompleter
  readonly audit: AuditLog
  readonly logger: Logger
  /** Counts each finish by its verdict (`slackgate_step_completions_total`). */
  readonly observe?: (route: string, verdict: StepVerdict) => void
  /** `step.outputs` of each function route, compiled, by route name. */
  readonly outputs: ReadonlyMap<string, BodyValidator>
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number
}

/**
 * Wraps the deliverer so that the gateway, not the handler, finishes every custom step, once:
 * - a step's job completes it with what its handler or service decided (outputs, checked
 *   against `step.outputs`, or an error message), or leaves it open when told to;
 * - a step refused at ingress (policy, or inputs failing `step.inputs`) is failed without
 *   running anything;
 * - a step whose job dead-letters, or whose token would expire before its next attempt could
 *   run, is failed with the route's `step.errorMessage`: no workflow is left "In progress";
 * - an interaction from a message or view the step posted finishes it when its handler or
 *   service says so.
 * Each completion is audited (kind `step`). A completion that keeps failing is not a reason
 * to run the handler again: the job ends (a dead letter, `step_completion_failed`).
 *
 * @example
 * const handler = createStepFinisher({ routes, tokens, complete, audit, logger, outputs }, deliver)
 * queue.consume(handler, { concurrency: 8 })
 */
export function createStepFinisher(deps: StepFinisherDeps, deliver: Delivery): JobHandler {
  const routes = new Map(deps.routes.map((r) => [r.name, r]))
  const now = deps.now ?? Date.now
  const log = deps.logger.child({ component: 'steps' })

  async function finish(job: Job, step: StepRef, token: string, expiresAt: number, completion: StepCompletion, reason?: string): Promise<CompletionResult> {
    // Outputs that are not JSON (a BigInt, a cycle) cannot be sent: that is the call failing
    // for good, not a reason to run the handler again.
    const result = await deps.complete(step.executionId, token, completion, expiresAt).catch(
      (err: unknown): CompletionResult => ({ status: 'failed', reason: 'step_completion_failed', error: err instanceof Error ? `${err.name}: ${err.message}` : 'the call could not be made' }),
    )
    const fields = { jobId: job.id, slackRoute: job.route, executionId: step.executionId, completion: 'outputs' in completion ? 'success' : 'error', result: result.status }
    deps.observe?.(job.route, stepVerdict(completion, result))
    if (result.status === 'failed') log.error({ ...fields, reason: result.reason, error: result.error }, 'step not completed')
    else log.info({ ...fields, ...(reason !== undefined && { reason }) }, 'step finished')
    // The step is finished (or cannot be) whatever the log does: a record that cannot be
    // written is reported, and the job is not run again for it.
    deps.audit.append(stepRecord({ at: now(), job, step, completion, result, ...(reason !== undefined && { reason }) })).catch((err: unknown) => {
      log.error({ err, jobId: job.id, reason: 'audit_unavailable' }, 'step completion not recorded in the audit log')
    })
    return result
  }

  return async function runStep(job) {
    const payload = job.payload as JobPayload
    const step = stepOf(payload)
    if (step === undefined) return outcomeOf(await deliver(job))
    const own = payload.request.kind === 'function_executed'
    const route = routes.get(job.route)
    const errorMessage = route?.step?.errorMessage ?? DEFAULT_STEP_ERROR_MESSAGE
    const sealed = payload.stepToken
    let token: string
    try {
      if (sealed === undefined) throw new Error('the job carries no token')
      token = deps.tokens.open(sealed, step.executionId)
    } catch (err) {
      // Nothing can finish this step: the job ends here, and the log and dead letter say why.
      log.error({ jobId: job.id, executionId: step.executionId, reason: 'step_token_unreadable', err }, 'step token does not open')
      return { ok: false, permanent: true, error: `step_token_unreadable: ${err instanceof Error ? err.message : 'the token does not open'}` }
    }
    const expiresAt = sealed.expiresAt
    const failStep = async (reason: string | undefined, message = errorMessage) => finish(job, step, token, expiresAt, { error: message }, reason)

    if (own && payload.refusal !== undefined) {
      const result = await failStep(payload.refusal.reason, payload.refusal.message)
      return completionOutcome(result, { ok: true })
    }
    if (own && now() + STEP_RUNWAY_MS > expiresAt) {
      await failStep('step_token_expired')
      return { ok: false, permanent: true, error: "step_token_expired: the step's token expires before this attempt could finish" }
    }

    const delivered = own ? await beforeDeadline(deliver(job), expiresAt - STEP_ANSWER_MARGIN_MS - now()) : await deliver(job)
    if (delivered === undefined) {
      log.error({ jobId: job.id, executionId: step.executionId, reason: 'step_token_expired' }, "step handler had not answered when the step's token was about to expire")
      await failStep('step_token_expired')
      return { ok: false, permanent: true, error: "step_token_expired: the handler had not answered when the step's token was about to expire; its answer is ignored" }
    }
    if (delivered.ok) {
      const decision = delivered.decision
      if (decision === undefined || decision.kind === 'keep_open') return { ok: true }
      if (decision.kind === 'fail') return completionOutcome(await failStep(undefined, decision.error), { ok: true })
      const check = own ? deps.outputs.get(job.route)?.(decision.outputs) : undefined
      if (check !== undefined && !check.ok) {
        const detail = check.detail.replace(/^body/, 'outputs')
        log.warn({ jobId: job.id, executionId: step.executionId, reason: 'invalid_step_outputs', detail }, 'step outputs do not match step.outputs')
        await failStep('invalid_step_outputs')
        return { ok: false, permanent: true, error: `invalid_step_outputs: ${detail}` }
      }
      return completionOutcome(await finish(job, step, token, expiresAt, { outputs: decision.outputs }), { ok: true })
    }
    // An interaction's handler failing leaves its step to the step (it may have other buttons).
    if (!own) return outcomeOf(delivered)
    const final = delivered.permanent || job.attempt >= job.maxAttempts
    const late = !final && route !== undefined && now() + nextDelayCeiling(job.attempt, route) + STEP_RUNWAY_MS > expiresAt
    if (!final && !late) return outcomeOf(delivered)
    const result = await failStep(late ? 'step_token_expired' : undefined)
    const error = late ? `${delivered.error}; step_token_expired: no retry could run before the step's token expires` : delivered.error
    return completionOutcome(result, { ok: false, permanent: true, error })
  }
}


// What `delivering` came to, or undefined when it had not settled within `ms` (it runs on, unheard).
async function beforeDeadline(delivering: Promise<Delivered>, ms: number): Promise<Delivered | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, Math.max(ms, 0), undefined)))
  delivering.catch(() => {})
  try {
    return await Promise.race([delivering, late])
  } finally {
    clearTimeout(timer)
  }
}

// The longest the queue may wait before the next attempt (retryDelayMs without its jitter).
function nextDelayCeiling(attempt: number, route: Route): number {
  return Math.min(route.retry.maxDelayMs, route.retry.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30))
}

// A completion that failed for good ends the job as a dead letter, with why.
function completionOutcome(result: CompletionResult, otherwise: DeliveryOutcome): DeliveryOutcome {
  if (result.status !== 'failed') return otherwise
  const before = otherwise.ok ? '' : `${otherwise.error}; `
  return { ok: false, permanent: true, error: `${before}${result.reason}: ${result.error}` }
}

function outcomeOf(delivered: Delivered): DeliveryOutcome {
  return delivered.ok ? { ok: true } : { ok: false, permanent: delivered.permanent, error: delivered.error }
}

import type { Logger } from 'pino'
import type { DeliveryOutcome, Job } from './job.js'
import type { JobPayload } from './job-payload.js'
import type { HandlerRegistry } from './handler-registry.js'
import type { ForwardTarget, Forwarded } from './http-forward.js'
import { respondTo } from './respond.js'
import { slackTools } from './handler-context.js'
import { boltNames } from './bolt-names.js'
import type { SlackAccess } from '../slack-api/slack-access.js'
import type { Route } from './router.js'
import { isPermanentError, type StepHandler } from './sdk.js'
import { createStepSession, decisionFromAnswer, decisionFromReturn, type StepControls, type StepDecision } from '../functions/step-decision.js'
import { stepOf } from '../functions/step-of.js'
import type { StepTokens } from '../functions/step-token.js'

export interface DelivererDeps {
  readonly routes: readonly Route[]
  /** One registry per handler module path. */
  readonly registries: ReadonlyMap<string, HandlerRegistry>
  readonly forward: (target: ForwardTarget, job: Job, options?: { readonly readAnswer?: boolean }) => Promise<Forwarded>
  readonly logger: Logger
  /** A handler's `client`, `say()` and `installations`. */
  readonly slack: SlackAccess
  /** Opens a custom step's token for its handler's `client`. */
  readonly stepTokens?: StepTokens
  /** Used by `respond()`; injectable so tests can stand in for Slack. */
  readonly fetch?: typeof fetch
}

/** A delivery attempt's outcome and, for a custom step's job, how its target wants the step finished. */
export type Delivered = DeliveryOutcome & { readonly decision?: StepDecision }

export type Delivery = (job: Job) => Promise<Delivered>

/**
 * The consumer's handler: sends each job to its route's target, an SDK handler module or an
 * HTTP forward, and reports the outcome. A job whose route no longer exists is a permanent
 * failure (a dead letter an operator can re-drive once the route is back). For a custom
 * step's job it also reports what the target decided (functions/finish-step.ts acts on it).
 */
export function createDeliverer(deps: DelivererDeps): Delivery {
  const routes = new Map(deps.routes.map((r) => [r.name, r]))
  const doFetch = deps.fetch ?? fetch
  return async function deliver(job) {
    const route = routes.get(job.route)
    if (route === undefined) return { ok: false, permanent: true, error: `no route named ${job.route}` }
    const payload = job.payload as JobPayload
    const { request } = payload
    const step = stepOf(payload)
    if (route.forward !== undefined) {
      const forwarded = await deps.forward(route.forward, job, { readAnswer: step !== undefined })
      if (!forwarded.ok || step === undefined) return forwarded
      const { decision, problem } = decisionFromAnswer(forwarded.answer, request.kind !== 'function_executed')
      if (problem !== undefined) return { ok: false, permanent: true, error: `the service's answer to the step: ${problem}` }
      return decision === undefined ? { ok: true } : { ok: true, decision }
    }

    const registry = deps.registries.get(route.handler as string)
    const registered = registry?.find(request)
    const handler = registered?.handler
    // A registration that only answers in the ack has nothing queued to run: a modal's
    // view_closed, say, reaches it through the queue (Slack shows no answer to it).
    if (handler === undefined && registered?.ack !== undefined) return { ok: true }
    if (handler === undefined) return { ok: false, permanent: true, error: `no handler for this ${request.kind} in ${route.handler}` }
    // Built on the handler's first use of `log`: most handlers never log.
    let log: Logger | undefined
    const logOf = () => (log ??= deps.logger.child({ jobId: job.id, slackRoute: job.route, attempt: job.attempt }))
    const session = step === undefined ? undefined : createStepSession()
    const tokens = deps.stepTokens
    const sealed = payload.stepToken
    // A step's client calls Slack with the step's own token, opened on its first call.
    const stepToken = step !== undefined && sealed !== undefined && tokens !== undefined ? async () => tokens.open(sealed, step.executionId) : undefined
    try {
      // Not spread: `client` is a getter that builds the WebClient only if the handler uses it.
      const tools = slackTools(deps.slack, request, stepToken)
      const controls: StepControls = session ?? notAStep
      const returned: unknown = await (handler as StepHandler)({
        ...boltNames(request),
        request: request as never,
        job: { id: job.id, route: job.route, attempt: job.attempt },
        respond: (message) => respondTo('responseUrl' in request ? request.responseUrl : undefined, message, doFetch),
        get client() {
          return tools.client
        },
        say: tools.say,
        installations: tools.installations,
        get log() {
          return logOf()
        },
        get logger() {
          return logOf()
        },
        complete: controls.complete,
        fail: controls.fail,
        keepOpen: controls.keepOpen,
        inputs: request.kind === 'function_executed' ? request.inputs : {},
      })
      if (session === undefined) return { ok: true }
      const decision = session.decision() ?? (request.kind === 'function_executed' ? decisionFromReturn(returned) : undefined)
      if (decision === undefined && request.kind === 'function_executed') {
        return { ok: false, permanent: true, error: 'the step handler returned something other than its outputs (an object)' }
      }
      return decision === undefined ? { ok: true } : { ok: true, decision }
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : 'handler failed'
      return { ok: false, permanent: isPermanentError(err), error }
    }
  }
}

const notAStep: StepControls = {
  complete: refuse('complete'),
  fail: refuse('fail'),
  keepOpen: refuse('keepOpen'),
}

function refuse(name: string): () => never {
  return () => {
    throw new TypeError(`not_a_step: ${name}() finishes a custom step, and this request is not a step's (no function_execution_id and token)`)
  }
}

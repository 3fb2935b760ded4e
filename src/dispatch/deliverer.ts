import type { Logger } from 'pino'
import type { DeliveryOutcome, Job } from './job.js'
import type { JobPayload } from './job-payload.js'
import type { JobHandler } from './job-queue.js'
import type { HandlerRegistry } from './handler-registry.js'
import type { ForwardTarget } from './http-forward.js'
import { respondTo } from './respond.js'
import { slackTools } from './handler-context.js'
import type { SlackAccess } from '../slack-api/slack-access.js'
import type { Route } from './router.js'
import { isPermanentError } from './sdk.js'

export interface DelivererDeps {
  readonly routes: readonly Route[]
  /** One registry per handler module path. */
  readonly registries: ReadonlyMap<string, HandlerRegistry>
  readonly forward: (target: ForwardTarget, job: Job) => Promise<DeliveryOutcome>
  readonly logger: Logger
  /** A handler's `client`, `say()` and `installations`. */
  readonly slack: SlackAccess
  /** Used by `respond()`; injectable so tests can stand in for Slack. */
  readonly fetch?: typeof fetch
}

/**
 * The consumer's handler: sends each job to its route's target, an SDK handler module or an
 * HTTP forward, and reports the outcome. A job whose route no longer exists is a permanent
 * failure (a dead letter an operator can re-drive once the route is back).
 */
export function createDeliverer(deps: DelivererDeps): JobHandler {
  const routes = new Map(deps.routes.map((r) => [r.name, r]))
  const doFetch = deps.fetch ?? fetch
  return async function deliver(job) {
    const route = routes.get(job.route)
    if (route === undefined) return { ok: false, permanent: true, error: `no route named ${job.route}` }
    if (route.forward !== undefined) return deps.forward(route.forward, job)

    const registry = deps.registries.get(route.handler as string)
    const { request } = job.payload as JobPayload
    const handler = registry?.find(request)
    if (handler === undefined) return { ok: false, permanent: true, error: `no handler for this ${request.kind} in ${route.handler}` }
    const log = deps.logger.child({ jobId: job.id, slackRoute: job.route, attempt: job.attempt })
    try {
      // Not spread: `client` is a getter that builds the WebClient only if the handler uses it.
      const tools = slackTools(deps.slack, request)
      await handler({
        request,
        job: { id: job.id, route: job.route, attempt: job.attempt },
        respond: (message) => respondTo('responseUrl' in request ? request.responseUrl : undefined, message, doFetch),
        get client() {
          return tools.client
        },
        say: tools.say,
        installations: tools.installations,
        log,
      })
      return { ok: true }
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : 'handler failed'
      return { ok: false, permanent: isPermanentError(err), error }
    }
  }
}

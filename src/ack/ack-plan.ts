import type { RouteConfig } from '../config/schema.js'
import { DEFAULT_ACK_DEADLINE_MS } from '../config/match-schema.js'
import type { HandlerRegistry } from '../dispatch/handler-registry.js'
import type { AckHandler } from '../dispatch/sdk.js'
import type { SlackRequest } from '../slack/slack-request.js'
import { ackKindOf, type AckKind } from './ack-answer.js'
import { DEFAULT_ACK_FALLBACK_MESSAGE } from './ack-fallback.js'

/** How one request is answered in its ack: by which handler, within what, and what follows. */
export interface AckPlan {
  readonly route: RouteConfig
  readonly kind: AckKind
  /** The module's ack for this request; undefined if it has none (a pattern route): the fallback is sent. */
  readonly ack?: AckHandler<SlackRequest>
  /** The module also registered a handler: an answer that stands queues its job. */
  readonly followUp: boolean
  readonly deadlineMs: number
  readonly fallbackMessage: string
}

/**
 * Decides, for a request allowed to its route, whether it is answered in the ack: its route
 * says so (`ack`; every `options` route does) and Slack shows an answer to this kind of
 * request (a `view_closed` on a view route does not: it takes the queued path).
 */
export function createAckPlanner(routes: readonly RouteConfig[], registries: ReadonlyMap<string, HandlerRegistry>): (request: SlackRequest, route: string) => AckPlan | undefined {
  const byName = new Map(routes.map((r) => [r.name, r]))
  return (request, name) => {
    const route = byName.get(name)
    const settings = route?.ack ?? (route?.match.options !== undefined ? { deadlineMs: DEFAULT_ACK_DEADLINE_MS } : undefined)
    const kind = ackKindOf(request)
    if (route === undefined || settings === undefined || kind === undefined || route.handler === undefined) return undefined
    const registered = registries.get(route.handler)?.find(request)
    return {
      route,
      kind,
      ...(registered?.ack !== undefined && { ack: registered.ack as AckHandler<SlackRequest> }),
      followUp: registered?.handler !== undefined,
      deadlineMs: settings.deadlineMs,
      fallbackMessage: settings.fallbackMessage ?? DEFAULT_ACK_FALLBACK_MESSAGE,
    }
  }
}

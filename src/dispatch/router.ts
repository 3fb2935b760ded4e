import type { RouteConfig } from '../config/schema.js'
import type { MatchKind } from '../slack/match-keys.js'
import { Matcher } from '../slack/matcher.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import { matchOf } from './route-match.js'

export type Route = RouteConfig

/** Finds the route for a request, or undefined. Pure; built once at startup. */
export type Router = (request: InboundRequest) => Route | undefined

/**
 * Builds a router from the configured routes. Exact ids are Map lookups, so the cost of a
 * lookup does not grow with the number of routes; `{ pattern }` and message routes are tried
 * afterwards in the order the config lists them (a message event: its message routes first,
 * then an `event: message` route; see slack/matcher.ts).
 *
 * @example
 * const route = createRouter(config.routes)(request) // the route for /deploy, say
 */
export function createRouter(routes: readonly Route[]): Router {
  const matcher = new Matcher<Route>()
  for (const route of routes) {
    const match = matchOf(route)
    if (match.kind === 'message') matcher.addMessage(match.condition, route)
    else if (match.pattern !== undefined) matcher.addPattern(match.kind, match.pattern, route)
    else matcher.addExact(match.kind as MatchKind, match.id as string, route)
  }
  return (request) => matcher.find(request)
}

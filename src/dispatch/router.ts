import type { RouteConfig } from '../config/schema.js'
import { lookup, matchMaps, type MatchKind } from '../slack/match-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'

export type Route = RouteConfig

/** Finds the route for a request, or undefined. Pure; built once at startup. */
export type Router = (request: InboundRequest) => Route | undefined

/**
 * Builds a router from the configured routes: one Map per match kind, so the cost of a
 * lookup does not grow with the number of routes.
 *
 * @example
 * const route = createRouter(config.routes)(request) // the route for /deploy, say
 */
export function createRouter(routes: readonly Route[]): Router {
  const byKind = matchMaps<Route>()
  for (const route of routes) {
    for (const kind of Object.keys(byKind) as MatchKind[]) {
      const value = route.match[kind]
      if (value !== undefined && !byKind[kind].has(value)) byKind[kind].set(value, route)
    }
  }
  return (request) => lookup(byKind, request)
}

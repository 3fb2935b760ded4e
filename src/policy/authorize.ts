import type { RouteConfig } from '../config/schema.js'
import { createRouter } from '../dispatch/router.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import { accessRequestOf } from './access-request.js'
import { decide, type Decision } from './decide.js'
import type { Directory, Membership } from './directory.js'
import { compileRouteAccess, DENY_RULE, PUBLIC_RULE, type RouteAccess } from './route-access.js'

/** A decision, the route it was made for, and whom a refused person should ask. */
export type RouteDecision = Decision & { readonly route: string; readonly adminContact: string }

/**
 * The policy stage: finds the request's route and decides. Undefined when no route takes the
 * request (nothing will run, so there is nothing to allow). Synchronous unless a rule names
 * a user group the directory has to fetch.
 */
export type Authorize = (request: InboundRequest) => RouteDecision | Promise<RouteDecision> | undefined

const NOBODY: Membership = { isMember: () => false }

export interface AuthorizerOptions {
  readonly routes: readonly RouteConfig[]
  readonly directory?: Directory
  /** Whom a refused person should ask, unless the route names someone. */
  readonly adminContact: string
}

interface Compiled {
  readonly access: RouteAccess
  /** This route's decision for each allowing rule, built once: the common case allocates nothing. */
  readonly allowed: ReadonlyMap<string, RouteDecision>
  readonly route: string
  readonly adminContact: string
}

/** Compiles every route's policy once, at startup. */
export function createAuthorizer(options: AuthorizerOptions): Authorize {
  const { directory } = options
  const router = createRouter(options.routes)
  const policies = new Map<string, Compiled>(options.routes.map((r) => [r.name, compile(r, options.adminContact)]))
  return (request) => {
    const route = router(request)
    if (route === undefined) return undefined
    const compiled = policies.get(route.name) as Compiled
    const { access } = compiled
    if (access.public) return compiled.allowed.get(PUBLIC_RULE) as RouteDecision
    const facts = accessRequestOf(request)
    if (access.groupIds.length === 0) return forRoute(compiled, decide(facts, access, NOBODY))
    // The config refuses group rules without a directory; fail closed if one is built without.
    if (directory === undefined) return forRoute(compiled, { allow: false, reason: 'directory_unavailable', rule: access.rules[0]?.name ?? DENY_RULE })
    const membership = directory.membership(access.groupIds)
    if (!(membership instanceof Promise)) return forRoute(compiled, decide(facts, access, membership))
    return membership.then((m) => forRoute(compiled, decide(facts, access, m)))
  }
}

function compile(route: RouteConfig, defaultContact: string): Compiled {
  const access = compileRouteAccess(route)
  const adminContact = route.access?.adminContact ?? defaultContact
  const names = access.public ? [PUBLIC_RULE] : access.rules.map((r) => r.name)
  const allowed = new Map(names.map((rule) => [rule, { allow: true as const, rule, route: route.name, adminContact }]))
  return { access, allowed, route: route.name, adminContact }
}

function forRoute(compiled: Compiled, decision: Decision): RouteDecision {
  if (decision.allow) return compiled.allowed.get(decision.rule) as RouteDecision
  return { allow: false, reason: decision.reason, rule: decision.rule, route: compiled.route, adminContact: compiled.adminContact }
}

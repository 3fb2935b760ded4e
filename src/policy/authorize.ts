import type { RouteConfig } from '../config/schema.js'
import { createRouter } from '../dispatch/router.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import { accessRequestOf } from './access-request.js'
import { decide, type Decision } from './decide.js'
import type { Directory, Membership } from './directory.js'
import { compileRouteAccess, type RouteAccess } from './route-access.js'

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
  readonly adminContact: string
}

/** Compiles every route's policy once, at startup. */
export function createAuthorizer(options: AuthorizerOptions): Authorize {
  const { directory } = options
  const router = createRouter(options.routes)
  const policies = new Map<string, Compiled>(
    options.routes.map((r) => [r.name, { access: compileRouteAccess(r), adminContact: r.access?.adminContact ?? options.adminContact }]),
  )
  return (request) => {
    const route = router(request)
    if (route === undefined) return undefined
    const { access, adminContact } = policies.get(route.name) as Compiled
    const facts = accessRequestOf(request)
    const about = { route: route.name, adminContact }
    if (access.public || access.groupIds.length === 0) return { ...decide(facts, access, NOBODY), ...about }
    // The config refuses group rules without a directory; fail closed if one is built without.
    if (directory === undefined) return { allow: false, reason: 'directory_unavailable', rule: access.rules[0]?.name ?? 'deny', ...about }
    const membership = directory.membership(access.groupIds)
    if (!(membership instanceof Promise)) return { ...decide(facts, access, membership), ...about }
    return membership.then((m) => ({ ...decide(facts, access, m), ...about }))
  }
}

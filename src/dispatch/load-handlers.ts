import { existsSync } from 'node:fs'
import { ConfigError } from '../config/errors.js'
import type { RouteConfig } from '../config/schema.js'
import { describeMatch, matchOf } from './route-match.js'
import { buildRegistry, type HandlerRegistry } from './handler-registry.js'
import { loadHandlerModule } from './load-handler-module.js'
import { isMessageSubscription } from '../slack/message-subscriptions.js'

/** A handler route whose module cannot serve it. */
export interface HandlerProblem {
  /** The route's index in `routes`, for the config key `routes[i].handler`. */
  readonly index: number
  readonly route: string
  readonly message: string
}

export interface LoadedHandlers {
  /** One registry per handler module (keyed by its absolute path), for every module that loaded. */
  readonly registries: Map<string, HandlerRegistry>
  readonly problems: readonly HandlerProblem[]
}

/**
 * Loads each handler module once and checks, for every route with a handler, that its module
 * registers the route's match. The route (YAML) says who may run what; the module (code)
 * says what runs: a route whose module has nothing for it would only fail at its first
 * request, so it is found here, at start (and by `slackgate policy lint`).
 */
export async function loadHandlers(routes: readonly RouteConfig[]): Promise<LoadedHandlers> {
  const registries = new Map<string, HandlerRegistry>()
  const failed = new Map<string, string>()
  const problems: HandlerProblem[] = []
  for (const [index, route] of routes.entries()) {
    const path = route.handler
    if (path === undefined) continue
    if (!registries.has(path) && !failed.has(path)) {
      try {
        if (!existsSync(path)) throw new Error(`cannot find ${path} (a handler path is relative to the config file)`)
        registries.set(path, buildRegistry(await loadHandlerModule(path), path))
      } catch (err) {
        failed.set(path, err instanceof Error ? err.message : String(err))
      }
    }
    const registry = registries.get(path)
    const message = registry === undefined ? (failed.get(path) as string) : handlerProblem(registry, route, path)
    if (message !== undefined) problems.push({ index, route: route.name, message })
  }
  return { registries, problems }
}

/** `loadHandlers`, where any problem is a configuration error naming each route and its fix. */
export async function loadHandlerRegistries(routes: readonly RouteConfig[]): Promise<Map<string, HandlerRegistry>> {
  const { registries, problems } = await loadHandlers(routes)
  if (problems.length > 0) {
    throw new ConfigError('invalid_config', problems.map((p) => ({ key: `routes[${p.index}].handler`, message: `route ${p.route}: ${p.message}` })))
  }
  return registries
}

/**
 * What is wrong with `registry` as the module of `route`, if anything: nothing registered for
 * its match (exact ids are looked up; a pattern or message route needs a registration of its
 * kind), or no `ack` where the route answers in the ack.
 */
function handlerProblem(registry: HandlerRegistry, route: RouteConfig, path: string): string | undefined {
  const match = matchOf(route)
  const fix = `add gateway.${match.kind}(…) to it, or forward the route instead`
  if (match.kind === 'message') {
    return registry.hasKind('message') || registry.registeredFor('event', 'message') !== undefined ? undefined : `${path} registers no message handler: ${fix}`
  }
  if (match.pattern !== undefined) return registry.hasKind(match.kind) ? undefined : `${path} registers nothing for ${describeMatch(match)}: ${fix}`
  // A message subscription's events reach a module's `event: message` handler too.
  const registered = registry.registeredFor(match.kind, match.id) ?? (match.kind === 'event' && isMessageSubscription(match.id) ? registry.registeredFor('event', 'message') : undefined)
  if (registered === undefined) return `${path} registers no handler for ${describeMatch(match)}: add gateway.${match.kind}(${JSON.stringify(match.id)}, …) to it, or forward the route instead`
  const answers = route.ack !== undefined || match.kind === 'options'
  if (answers && registered.ack === undefined) return `route ${route.name} answers in the ack, and ${path} registers no ack for ${describeMatch(match)}: register { ack, handler }`
  if (!answers && registered.handler === undefined) return `${path} registers only an ack for ${describeMatch(match)}: give the route \`ack: handler\`, or register a handler`
  return undefined
}

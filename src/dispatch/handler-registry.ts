import { lookup, matchMaps, type MatchKind } from '../slack/match-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import type { Gateway, Handler, HandlerModule } from './sdk.js'

type AnyHandler = Handler<never>

/** The handlers one module registered, looked up by request. */
export interface HandlerRegistry {
  find(request: InboundRequest): Handler<InboundRequest> | undefined
  /** Whether the module registered a handler for this (kind, id): what a route's match names. */
  handles(kind: MatchKind, id: string): boolean
  /** Every (kind, id) the module registered, by kind. */
  registered(): ReadonlyArray<readonly [MatchKind, string]>
}

/** Runs a module's setup against a fresh registry. Registering one id twice is an error. */
export function buildRegistry(module: HandlerModule, name: string): HandlerRegistry {
  const maps = matchMaps<AnyHandler>()
  const register = (kind: MatchKind) => (id: string, handler: AnyHandler) => {
    if (typeof id !== 'string' || id === '') throw new TypeError(`${name}: ${kind}() needs an id`)
    if (typeof handler !== 'function') throw new TypeError(`${name}: ${kind}(${id}) needs a handler function`)
    if (maps[kind].has(id)) throw new Error(`${name}: ${kind} ${id} is registered twice`)
    maps[kind].set(id, handler)
    return gateway
  }
  const gateway: Gateway = {
    command: register('command') as Gateway['command'],
    event: register('event') as Gateway['event'],
    function: register('function') as unknown as Gateway['function'],
    action: register('action') as Gateway['action'],
    view: register('view') as Gateway['view'],
    shortcut: register('shortcut') as Gateway['shortcut'],
    workflow: register('workflow') as Gateway['workflow'],
    hook: register('hook') as Gateway['hook'],
  }
  module.setup(gateway)

  return {
    find: (request) => lookup(maps, request) as Handler<InboundRequest> | undefined,
    handles: (kind, id) => maps[kind].has(id),
    registered: () => Object.entries(maps).flatMap(([kind, ids]) => [...ids.keys()].map((id) => [kind as MatchKind, id] as const)),
  }
}

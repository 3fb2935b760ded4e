import type { InboundRequest } from '../workflow/workflow-call.js'

/** The kinds of id a route or a handler can be registered for. */
export type MatchKind = 'event' | 'function' | 'command' | 'action' | 'view' | 'shortcut' | 'workflow' | 'hook'

/**
 * The (kind, id) pairs a request can be matched by, in priority order: its event type,
 * custom step's callback_id, command, each action_id, its view or shortcut callback_id, or its workflow endpoint. Empty for requests that
 * nothing is registered for (handshakes, suggestions, unknown types).
 */
export function matchKeys(request: InboundRequest): ReadonlyArray<readonly [MatchKind, string]> {
  switch (request.kind) {
    case 'event':
      return [['event', request.type]]
    case 'function_executed':
      return [['function', request.callbackId]]
    case 'command':
      return [['command', request.command]]
    case 'block_actions':
      return request.actionIds.map((id) => ['action', id] as const)
    case 'view_submission':
    case 'view_closed':
      return [['view', request.callbackId]]
    case 'shortcut':
    case 'message_action':
      return [['shortcut', request.callbackId]]
    case 'workflow':
      return [['workflow', request.workflow]]
    case 'hook':
      return [['hook', request.hook]]
    default:
      return []
  }
}

/** Finds the first value registered for any of a request's match keys. */
export function lookup<T>(maps: Readonly<Record<MatchKind, ReadonlyMap<string, T>>>, request: InboundRequest): T | undefined {
  for (const [kind, id] of matchKeys(request)) {
    const found = maps[kind].get(id)
    if (found !== undefined) return found
  }
  return undefined
}

/** One empty Map per match kind, for a registry that `lookup` reads. */
export function matchMaps<T>(): Record<MatchKind, Map<string, T>> {
  return { event: new Map(), function: new Map(), command: new Map(), action: new Map(), view: new Map(), shortcut: new Map(), workflow: new Map(), hook: new Map() }
}

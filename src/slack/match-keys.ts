import type { InboundRequest } from '../workflow/workflow-call.js'
import { messageSubscriptionOf } from './message-subscriptions.js'

/**
 * The kinds of id a route or a handler can be registered for. `block` is a block action's
 * `block_id`, `options` an external select's `action_id` (a `block_suggestion`), `message` a
 * message event's text.
 */
export type MatchKind = 'event' | 'function' | 'command' | 'action' | 'block' | 'view' | 'options' | 'message' | 'shortcut' | 'workflow' | 'hook'

/** The kinds whose ids can also be matched by a pattern (a RegExp in code, `{ pattern }` in YAML). */
export const PATTERN_KINDS = ['action', 'block', 'view', 'options', 'message'] as const satisfies readonly MatchKind[]
export type PatternKind = (typeof PATTERN_KINDS)[number]

/**
 * The (kind, id) pairs a request can be matched by exactly, in priority order: its event
 * type (a message event first by its subscription, `message.im`, then as `message`), custom
 * step's callback_id, command, each action_id then each block_id, its view or
 * shortcut callback_id, its external select's action_id, or its workflow endpoint. Empty for
 * requests that nothing is registered for (handshakes, unknown types).
 */
export function matchKeys(request: InboundRequest): ReadonlyArray<readonly [MatchKind, string]> {
  switch (request.kind) {
    case 'event': {
      const subscription = request.type === 'message' ? messageSubscriptionOf(messageOf(request)?.channel_type) : undefined
      return subscription === undefined ? [['event', request.type]] : [['event', subscription], ['event', 'message']]
    }
    case 'function_executed':
      return [['function', request.callbackId]]
    case 'command':
      return [['command', request.command]]
    case 'block_actions':
      return [...request.actionIds.map((id) => ['action', id] as const), ...request.blockIds.map((id) => ['block', id] as const)]
    case 'view_submission':
    case 'view_closed':
      return [['view', request.callbackId]]
    case 'block_suggestion':
      return [['options', request.actionId]]
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

/** The ids a pattern of `kind` is tested against in `request` (a message's text for `message`). */
export function idsOf(kind: PatternKind, request: InboundRequest): readonly string[] {
  if (kind === 'message') {
    const text = messageOf(request)?.text
    return typeof text === 'string' ? [text] : []
  }
  return matchKeys(request).flatMap(([k, id]) => (k === kind ? [id] : []))
}

/** A message event's `event` object (text, subtype, …), or undefined for any other request. */
export function messageOf(request: InboundRequest): Readonly<Record<string, unknown>> | undefined {
  if (request.kind !== 'event' || request.type !== 'message') return undefined
  const event = request.payload.event
  return typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : undefined
}

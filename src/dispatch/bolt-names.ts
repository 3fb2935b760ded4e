import type { InboundRequest } from '../workflow/workflow-call.js'

/**
 * The parts of a request by the names Bolt gives them, so that a Bolt listener moves over
 * with few edits: `body` is the whole verified payload, `payload` its main part (the event,
 * the command, the first action, the view, the options request), and each kind's own name
 * for that part where Slack has one. Absent names are undefined.
 */
export interface BoltNames {
  readonly body: Readonly<Record<string, unknown>>
  readonly payload: Readonly<Record<string, unknown>>
  readonly command?: Readonly<Record<string, unknown>>
  readonly event?: Readonly<Record<string, unknown>>
  /** A message event's `event`. */
  readonly message?: Readonly<Record<string, unknown>>
  /** A block action's first action (Slack sends one per payload). */
  readonly action?: Readonly<Record<string, unknown>>
  readonly view?: Readonly<Record<string, unknown>>
  /** An external select's request (its `value` is what the person typed). */
  readonly options?: Readonly<Record<string, unknown>>
  readonly shortcut?: Readonly<Record<string, unknown>>
}

/** Bolt's names for `request`'s parts (see BoltNames). */
export function boltNames(request: InboundRequest): BoltNames {
  const body = request.payload
  const part = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined)
  switch (request.kind) {
    case 'command':
      return { body, payload: body, command: body }
    case 'event': {
      const event = part(body.event) ?? {}
      return { body, payload: event, event, ...(request.type === 'message' && { message: event }) }
    }
    case 'block_actions': {
      const action = part(Array.isArray(body.actions) ? body.actions[0] : undefined) ?? {}
      return { body, payload: action, action }
    }
    case 'view_submission':
    case 'view_closed': {
      const view = part(body.view) ?? {}
      return { body, payload: view, view }
    }
    case 'block_suggestion':
      return { body, payload: body, options: body }
    case 'shortcut':
    case 'message_action':
      return { body, payload: body, shortcut: body }
    default:
      return { body, payload: body }
  }
}

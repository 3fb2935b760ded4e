import { checkPattern, Matcher, type IdCondition, type MessageCondition } from '../slack/matcher.js'
import type { MatchKind, PatternKind } from '../slack/match-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import type { AckHandler, ActionConstraint, Gateway, Handler, HandlerModule, Registration, ViewConstraint } from './sdk.js'

/** What a module registered for a kind of request: the queued handler, the ack, or both. */
export interface Registered {
  readonly handler?: Handler<InboundRequest>
  readonly ack?: AckHandler<InboundRequest>
}

/** The handlers one module registered, looked up by request. */
export interface HandlerRegistry {
  find(request: InboundRequest): Registered | undefined
  /** The registration a request of this (kind, id) finds: what a route's exact match names. */
  registeredFor(kind: MatchKind, id: string): Registered | undefined
  /** Whether anything of this kind is registered: what a route's pattern needs. */
  hasKind(kind: MatchKind): boolean
  /** Every exact (kind, id) registered, and `(pattern)` for each pattern's kind. */
  registered(): ReadonlyArray<readonly [MatchKind, string]>
}

/**
 * Runs a module's setup against a fresh registry. Registering one exact id twice is an error;
 * patterns are tried in the order they were registered (see slack/matcher.ts).
 */
export function buildRegistry(module: HandlerModule, name: string): HandlerRegistry {
  const matcher = new Matcher<Registered>()
  const entry = (kind: string, label: string, registration: unknown): Registered => registrationOf(name, kind, label, registration)
  const exact = (kind: MatchKind, id: string, registered: Registered) => {
    if (!matcher.addExact(kind, id, registered)) throw new Error(`${name}: ${kind} ${id} is registered twice`)
  }
  /** A registration on one id: exact for a string, a pattern for a RegExp. */
  const onId = (kind: MatchKind & PatternKind, id: IdCondition, registered: Registered) => (typeof id === 'string' ? exact(kind, id, registered) : matcher.addPattern(kind, id, registered))
  const simple = (kind: MatchKind) => (id: string, registration: unknown) => {
    checkId(name, kind, id)
    exact(kind, id, entry(kind, id, registration))
    return gateway
  }
  const gateway: Gateway = {
    command: simple('command') as Gateway['command'],
    event: simple('event') as Gateway['event'],
    function: simple('function') as unknown as Gateway['function'],
    shortcut: simple('shortcut') as Gateway['shortcut'],
    workflow: simple('workflow') as Gateway['workflow'],
    hook: simple('hook') as Gateway['hook'],
    message(...args: unknown[]) {
      const [condition, registration] = args.length === 1 ? [{}, args[0]] : args
      matcher.addMessage(messageCondition(name, condition), entry('message', 'message', registration))
      return gateway
    },
    action(constraint: ActionConstraint, registration: unknown) {
      const registered = entry('action', label(constraint), registration)
      if (typeof constraint === 'string' || constraint instanceof RegExp) onId('action', checkCondition(name, 'action', constraint), registered)
      else actionBoth(name, matcher, constraint, registered, onId)
      return gateway
    },
    view(constraint: ViewConstraint, registration: unknown) {
      const registered = entry('view', label(constraint), registration)
      if (typeof constraint === 'string' || constraint instanceof RegExp) onId('view', checkCondition(name, 'view', constraint), registered)
      else viewOfType(name, matcher, constraint, registered)
      return gateway
    },
    options(constraint: IdCondition, ack: unknown) {
      if (typeof ack !== 'function') throw new TypeError(`${name}: options(${label(constraint)}) needs an ack function that returns the options`)
      onId('options', checkCondition(name, 'options', constraint), { ack: ack as AckHandler<InboundRequest> })
      return gateway
    },
  } as Gateway
  module.setup(gateway)

  return {
    find: (request) => matcher.find(request),
    registeredFor: (kind, id) => matcher.valueFor(kind, id),
    hasKind: (kind) => matcher.hasKind(kind),
    registered: () => matcher.entries(),
  }
}

/** A handler function (queued), or `{ ack, handler }` with at least one of them. */
function registrationOf(name: string, kind: string, id: string, registration: unknown): Registered {
  if (typeof registration === 'function') return { handler: registration as Handler<InboundRequest> }
  const r = (registration ?? {}) as Registration<InboundRequest, unknown>
  const ok = typeof r === 'object' && (r.ack === undefined || typeof r.ack === 'function') && (r.handler === undefined || typeof r.handler === 'function') && (r.ack !== undefined || r.handler !== undefined)
  if (!ok) throw new TypeError(`${name}: ${kind}(${id}) needs a handler function, or { ack, handler } with at least one function`)
  return { ...(r.ack !== undefined && { ack: r.ack }), ...(r.handler !== undefined && { handler: r.handler }) }
}

function checkId(name: string, kind: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new TypeError(`${name}: ${kind}() needs an id`)
}

function checkCondition(name: string, kind: string, condition: unknown): IdCondition {
  if (condition instanceof RegExp) return condition
  checkId(name, kind, condition)
  return condition
}

function label(constraint: unknown): string {
  if (typeof constraint === 'string' || constraint instanceof RegExp) return String(constraint)
  return JSON.stringify(constraint, (_, v: unknown) => (v instanceof RegExp ? String(v) : v))
}

function messageCondition(name: string, condition: unknown): MessageCondition {
  if (typeof condition === 'string' || condition instanceof RegExp) return { text: condition }
  if (typeof condition !== 'object' || condition === null) throw new TypeError(`${name}: message() takes a string, a RegExp or { text, subtype }`)
  const { text, subtype } = condition as MessageCondition
  return { ...(text !== undefined && { text: checkCondition(name, 'message', text) }), ...(subtype !== undefined && { subtype }) }
}

/** `{ action_id, block_id }`: one of them alone is a plain id registration; both must match together. */
function actionBoth(
  name: string,
  matcher: Matcher<Registered>,
  constraint: Exclude<ActionConstraint, IdCondition>,
  registered: Registered,
  onId: (kind: 'action' | 'block', id: IdCondition, registered: Registered) => void,
): void {
  const actionId = constraint.action_id === undefined ? undefined : checkCondition(name, 'action', constraint.action_id)
  const blockId = constraint.block_id === undefined ? undefined : checkCondition(name, 'action', constraint.block_id)
  if (actionId === undefined && blockId === undefined) throw new TypeError(`${name}: action() needs an action_id or a block_id`)
  if (blockId === undefined) return onId('action', actionId as IdCondition, registered)
  if (actionId === undefined) return onId('block', blockId, registered)
  const action = idTest(actionId)
  const block = idTest(blockId)
  matcher.addTest(
    'action',
    (request) => request.kind === 'block_actions' && actionsOf(request).some((a) => action(a.action_id) && block(a.block_id)),
    action,
    registered,
  )
}

/** `{ callback_id, type }`: a view of one type only (`view_submission` or `view_closed`). */
function viewOfType(name: string, matcher: Matcher<Registered>, constraint: Exclude<ViewConstraint, IdCondition>, registered: Registered): void {
  const id = idTest(checkCondition(name, 'view', constraint.callback_id))
  const { type } = constraint
  if (type !== undefined && type !== 'view_submission' && type !== 'view_closed') throw new TypeError(`${name}: view() type is view_submission or view_closed`)
  matcher.addTest('view', (request) => (request.kind === 'view_submission' || request.kind === 'view_closed') && (type === undefined || request.kind === type) && id(request.callbackId), id, registered)
}

function idTest(condition: IdCondition): (id: unknown) => boolean {
  if (typeof condition === 'string') return (id) => id === condition
  const re = checkPattern(condition)
  return (id) => typeof id === 'string' && re.test(id)
}

/** A block_actions payload's actions, each with its action_id and block_id. */
function actionsOf(request: InboundRequest): ReadonlyArray<{ action_id?: unknown; block_id?: unknown }> {
  const actions = request.payload.actions
  return Array.isArray(actions) ? (actions as Array<{ action_id?: unknown; block_id?: unknown }>) : []
}

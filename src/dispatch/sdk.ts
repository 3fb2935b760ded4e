import type { ChatPostMessageResponse, WebClient } from '@slack/web-api'
import type { Logger } from 'pino'
import type { Installations } from '../slack-api/slack-access.js'
import type { SayMessage } from './handler-context.js'
import type { BlockActions, BlockSuggestion, EventCallback, FunctionExecuted, Shortcut, SlashCommand, ViewInteraction } from '../slack/slack-request.js'
import type { IdCondition } from '../slack/matcher.js'
import type { BoltNames } from './bolt-names.js'
import type { StepControls, StepOutputs } from '../functions/step-decision.js'
import type { HookRequest } from '../hooks/hook-request.js'
import type { InboundRequest, WorkflowCall } from '../workflow/workflow-call.js'

/** A message for `respond()`: Slack's response_url body (text, blocks, response_type, …). */
export interface ResponseMessage {
  readonly text?: string
  readonly blocks?: readonly unknown[]
  readonly response_type?: 'ephemeral' | 'in_channel'
  readonly replace_original?: boolean
  readonly delete_original?: boolean
  readonly [key: string]: unknown
}

export interface HandlerContext<R extends InboundRequest = InboundRequest> extends BoltNames {
  /** The verified, decoded request. */
  readonly request: R
  /** The job: its id is stable across retries; `attempt` counts from 1. */
  readonly job: { readonly id: string; readonly route: string; readonly attempt: number }
  /**
   * Posts to the request's `response_url` (only ever an https://hooks.slack.com/ URL); a
   * request without one (an event, a workflow call) makes it throw.
   */
  respond(message: ResponseMessage | string): Promise<void>
  /**
   * A Web API client (@slack/web-api's `WebClient`) bound to the bot token of the request's
   * installation (its workspace's, else its organisation's org-wide one, else
   * `slack.botToken`), refreshed ahead of expiry. It never retries a call that may have run
   * (no duplicate posts); a 429 is sent again after its `Retry-After`. See docs/handlers.md.
   */
  readonly client: WebClient
  /**
   * Posts to the request's channel (`chat.postMessage`); a request without one (a modal
   * submission, a workflow call) makes it throw `no_channel`.
   */
  say(message: SayMessage): Promise<ChatPostMessageResponse>
  /** Looks an installation up by workspace or organisation: what it is, never its tokens. */
  readonly installations: Installations
  readonly log: Logger
  /** The same logger, by Bolt's name. */
  readonly logger: Logger
  /**
   * Finish the custom step this request belongs to (an interaction from a message or view
   * the step posted; see `StepContext` for a step's own handler). The gateway calls Slack once
   * the handler returns, with the step's token. A request of no step makes them throw `not_a_step`.
   */
  readonly complete: StepControls['complete']
  readonly fail: StepControls['fail']
}

export type Handler<R extends InboundRequest> = (context: HandlerContext<R>) => Promise<void> | void

/**
 * What a custom step's handler is given: the usual context, the step's inputs, and
 * `complete`, `fail` and `keepOpen`. Its `client` is bound to the step's own token.
 */
export interface StepContext extends HandlerContext<FunctionExecuted> {
  /** The step's input parameters, checked against the route's `step.inputs` when it has one. */
  readonly inputs: Readonly<Record<string, unknown>>
  readonly keepOpen: StepControls['keepOpen']
}

/**
 * A custom step's handler. It returns the step's outputs (or calls `complete`), calls `fail`
 * with a message for the person, or throws to be retried; the gateway completes the step
 * with Slack once, whatever happens, and fails it when the retries run out.
 */
export type StepHandler = (context: StepContext) => Promise<StepOutputs | void> | StepOutputs | void

/**
 * What a handler that answers in the acknowledgement is given: the request, Bolt's names for
 * its parts, a Web API client and a logger, and a signal aborted at the route's deadline. It
 * runs before the 200, so keep it short: do slow work in the route's queued `handler`.
 */
export interface AckContext<R extends InboundRequest = InboundRequest> extends BoltNames {
  readonly request: R
  readonly client: WebClient
  readonly log: Logger
  readonly logger: Logger
  /** Aborted when the route's `ack.deadlineMs` has passed: the gateway has answered without you. */
  readonly signal: AbortSignal
}

/** Returns the ack's body (checked against the shape Slack documents for it), or nothing for an empty 200. */
export type AckHandler<R extends InboundRequest, A = unknown> = (context: AckContext<R>) => A | Promise<A>

/** A modal submission's answer: errors by block_id, another view, or close them all. Nothing closes this view. */
export type ViewAnswer =
  | { readonly response_action: 'errors'; readonly errors: Readonly<Record<string, string>> }
  | { readonly response_action: 'update' | 'push'; readonly view: Readonly<Record<string, unknown>> }
  | { readonly response_action: 'clear' }
  | void
  | undefined

interface PlainText {
  readonly type: 'plain_text'
  readonly text: string
  readonly emoji?: boolean
}
export interface SelectOption {
  readonly text: PlainText
  readonly value: string
  readonly description?: PlainText
}
/** An external select's options: a list, or groups of them. */
export type OptionsAnswer = { readonly options: readonly SelectOption[] } | { readonly option_groups: ReadonlyArray<{ readonly label: PlainText; readonly options: readonly SelectOption[] }> }
/** A slash command's immediate reply: a text, a message, or nothing (an empty 200). */
export type CommandAnswer = string | ResponseMessage | void | undefined

/**
 * Both halves of a route: `ack` answers before the 200, `handler` runs afterwards from the
 * durable queue (retried, exactly once). A view whose ack answers `errors` queues nothing.
 */
export interface Registration<R extends InboundRequest, A> {
  readonly ack?: AckHandler<R, A>
  readonly handler?: Handler<R>
}

/** A block action by its `action_id`, its `block_id`, or both; each a string or a RegExp. */
export type ActionConstraint = IdCondition | { readonly action_id?: IdCondition; readonly block_id?: IdCondition }
/** A view by its `callback_id` (string or RegExp), optionally of one type only. */
export type ViewConstraint = IdCondition | { readonly callback_id: IdCondition; readonly type?: 'view_submission' | 'view_closed' }
/** A message by its text (contains a string, or matches a RegExp) and/or its subtype. */
export type MessageConstraint = IdCondition | { readonly text?: IdCondition; readonly subtype?: string }

/**
 * The registration API a handler module is given, named as Bolt names it. Exact ids are
 * looked up in a Map; RegExp patterns are tried afterwards in the order they were registered.
 */
export interface Gateway {
  command(name: string, handler: Handler<SlashCommand> | Registration<SlashCommand, CommandAnswer>): Gateway
  event(type: string, handler: Handler<EventCallback>): Gateway
  /** Message events: every one, or those whose text (or subtype) matches. */
  message(handler: Handler<EventCallback>): Gateway
  message(constraint: MessageConstraint, handler: Handler<EventCallback>): Gateway
  /** A Workflow Builder custom step, by its function's `callback_id` in the app manifest. */
  function(callbackId: string, handler: StepHandler): Gateway
  action(constraint: ActionConstraint, handler: Handler<BlockActions>): Gateway
  view(constraint: ViewConstraint, handler: Handler<ViewInteraction> | Registration<ViewInteraction, ViewAnswer>): Gateway
  /** An external select's options (`block_suggestion`), answered in the ack. */
  options(constraint: IdCondition, ack: AckHandler<BlockSuggestion, OptionsAnswer>): Gateway
  shortcut(callbackId: string, handler: Handler<Shortcut>): Gateway
  /** A workflow endpoint, `POST /workflows/<name>`: `request.identity` holds the verified token's claims. */
  workflow(name: string, handler: Handler<WorkflowCall>): Gateway
  /** A webhook source, `POST /hooks/<name>`: verified by its HMAC scheme. */
  hook(source: string, handler: Handler<HookRequest>): Gateway
}

const PERMANENT = Symbol.for('slackgate.permanent-error')

/** Throw it from a handler when retrying cannot help: the job goes to the dead letters. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError'
  readonly [PERMANENT] = true
}

/**
 * Recognises a PermanentError by its brand, not `instanceof`: a handler module may load
 * its own copy of this package.
 */
export function isPermanentError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[PERMANENT] === true
}

const HANDLER_MODULE = Symbol.for('slackgate.handler-module')

/** What `defineHandlers` returns; a handler module's default export. */
export interface HandlerModule {
  readonly [HANDLER_MODULE]: true
  readonly setup: (gateway: Gateway) => void
}

/**
 * Declares a handler module. Its handlers run in the gateway's workers, after the request
 * was verified, deduplicated and durably queued; a handler that throws is retried with
 * backoff (throw `PermanentError` to stop), so write handlers that can run again safely.
 *
 * @example
 * export default defineHandlers((gateway) => {
 *   gateway.command('/deploy', async ({ request, respond }) => {
 *     await respond({ text: `Deploying ${request.text}…`, response_type: 'ephemeral' })
 *   })
 *   gateway.event('app_mention', async ({ say }) => {
 *     await say('On it.')
 *   })
 *   gateway.function('approve_expense', async ({ inputs }) => {
 *     return { approved: Number(inputs.amount) < 100 }
 *   })
 * })
 */
export function defineHandlers(setup: (gateway: Gateway) => void): HandlerModule {
  return { [HANDLER_MODULE]: true, setup }
}

export function isHandlerModule(value: unknown): value is HandlerModule {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HANDLER_MODULE] === true
}

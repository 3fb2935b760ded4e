/** Which Slack endpoint a request arrived on. */
export type SlackSource = 'events' | 'commands' | 'interactions'

/** Who and where, as far as the payload says. Used by routing, policy and audit. */
export interface SlackContext {
  readonly teamId?: string
  readonly enterpriseId?: string
  readonly channelId?: string
  readonly userId?: string
  readonly isEnterpriseInstall?: boolean
  /** The acting user's own workspace, when Slack says and it can differ (shared channels). */
  readonly userTeamId?: string
  /** A direct message or group DM, by channel type, name or id (see direct-message.ts). */
  readonly directMessage?: boolean
  /** Set with `directMessage` when it rests only on a `G` id: a group DM or an old private channel. */
  readonly presumedDirectMessage?: boolean
  /** Slack flagged the channel as shared with another organisation (Slack Connect). */
  readonly sharedChannel?: boolean
}

interface Base {
  readonly source: SlackSource
  readonly context: SlackContext
  /** The verified payload as Slack sent it (JSON object or form fields). */
  readonly payload: Readonly<Record<string, unknown>>
}

/** Events API: the url_verification handshake. */
export interface UrlVerification extends Base {
  readonly kind: 'url_verification'
  readonly challenge: string
}

/** Events API: an `event_callback` envelope. `type` is the inner event's type. */
export interface EventCallback extends Base {
  readonly kind: 'event'
  readonly type: string
  readonly eventId: string
  readonly eventTime?: number
  readonly apiAppId?: string
}

/**
 * Events API: a `function_executed` event, a Workflow Builder custom step to run. The step's
 * `bot_access_token` is not here: the decoder hands it over apart (see decode.ts), and the
 * gateway keeps it sealed for the life of the job.
 */
export interface FunctionExecuted extends Base {
  readonly kind: 'function_executed'
  /** The function's `callback_id`, as declared in the app manifest: what a route matches. */
  readonly callbackId: string
  readonly functionExecutionId: string
  readonly workflowExecutionId?: string
  readonly eventId: string
  readonly eventTime?: number
  readonly apiAppId?: string
  /** The step's input parameters, by name, as Slack sent them. */
  readonly inputs: Readonly<Record<string, unknown>>
}

/** Events API: Slack tells us it is dropping our events for a minute. */
export interface AppRateLimited extends Base {
  readonly kind: 'app_rate_limited'
  readonly minuteRateLimited: number
  readonly apiAppId?: string
}

/** Slack checking the TLS certificate of a slash command URL; verified, never dispatched. */
export interface SslCheck extends Base {
  readonly kind: 'ssl_check'
}

export interface SlashCommand extends Base {
  readonly kind: 'command'
  readonly command: string
  readonly text: string
  readonly triggerId?: string
  readonly responseUrl?: string
}

export interface BlockActions extends Base {
  readonly kind: 'block_actions'
  readonly actionIds: readonly string[]
  readonly blockIds: readonly string[]
  readonly triggerId?: string
  readonly responseUrl?: string
  /** Set when the action belongs to a custom workflow step. */
  readonly functionExecutionId?: string
}

export interface ViewInteraction extends Base {
  readonly kind: 'view_submission' | 'view_closed'
  readonly callbackId: string
  readonly triggerId?: string
  readonly functionExecutionId?: string
}

/** Global shortcut (`shortcut`) or message shortcut (`message_action`). */
export interface Shortcut extends Base {
  readonly kind: 'shortcut' | 'message_action'
  readonly callbackId: string
  readonly triggerId?: string
  readonly responseUrl?: string
}

export interface BlockSuggestion extends Base {
  readonly kind: 'block_suggestion'
  readonly actionId: string
  readonly blockId?: string
}

/** A well-formed payload of a type this version does not model; passed through, not refused. */
export interface UnknownSlackRequest extends Base {
  readonly kind: 'unknown'
  readonly type?: string
}

export type SlackRequest =
  | UrlVerification
  | EventCallback
  | FunctionExecuted
  | AppRateLimited
  | SslCheck
  | SlashCommand
  | BlockActions
  | ViewInteraction
  | Shortcut
  | BlockSuggestion
  | UnknownSlackRequest

export type SlackRequestKind = SlackRequest['kind']

import { z } from 'zod'
import { checkPattern } from '../slack/matcher.js'
import { MESSAGE_SUBSCRIPTIONS } from '../slack/message-subscriptions.js'

/** A regular expression's source, checked to compile and to be safe (see slack/matcher.ts). */
const patternSource = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((source, ctx) => {
    try {
      checkPattern(new RegExp(source))
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof SyntaxError ? `is not a regular expression: ${err.message}` : (err as Error).message })
    }
  })

/** An id (exact: a Map lookup), or `{ pattern }`: a regular expression tried after every exact id. */
const idOrPattern = z.union([z.string().min(1).max(255), z.strictObject({ pattern: patternSource })])

/** A message event: its text contains a string, or `{ pattern, subtype }` (at least one). */
const messageMatch = z.union([
  z.string().min(1).max(4000),
  z
    .strictObject({
      /** A regular expression the message's text must match. */
      pattern: patternSource.optional(),
      /** The message's `subtype` (such as `bot_message`, `file_share`). */
      subtype: z.string().regex(/^[a-z_]{1,64}$/, 'a message subtype: lowercase letters and _').optional(),
    })
    .refine((m) => m.pattern !== undefined || m.subtype !== undefined, { message: 'give a pattern, a subtype or both (for every message, match `event: message`)' }),
])

const SUBSCRIPTION_NAMES = MESSAGE_SUBSCRIPTIONS.map((m) => m.subscription)

/** An event's type as Slack sends it (`app_mention`), or a message subscription (`message.im`). */
const eventType = z
  .string()
  .max(255)
  .refine((t) => /^[a-z][a-z0-9_]*$/.test(t) || (SUBSCRIPTION_NAMES as readonly string[]).includes(t), {
    message: `an event type as Slack sends it, such as app_mention, or a message subscription: ${SUBSCRIPTION_NAMES.join(', ')} (event: message takes them all)`,
  })

/** Which request a route takes: exactly one key. */
export const matchSchema = z
  .strictObject({
    /**
     * Events API event type, e.g. `app_mention`, or a message subscription (`message.im`):
     * the message events of one kind of conversation.
     */
    event: eventType.optional(),
    /** A message event whose text contains this string, or `{ pattern, subtype }`. */
    message: messageMatch.optional(),
    /** A Workflow Builder custom step: the function's `callback_id` in the app manifest. */
    function: z.string().regex(/^[a-z0-9_]{1,100}$/, 'a function callback_id: lowercase letters, digits and _ (at most 100)').optional(),
    /** Slash command, e.g. `/deploy`. */
    command: z.string().regex(/^\/[^\s]{1,80}$/, 'must look like /deploy').optional(),
    /** Block action `action_id`, or `{ pattern }`. */
    action: idOrPattern.optional(),
    /** Block action `block_id`, or `{ pattern }`. */
    block: idOrPattern.optional(),
    /** Modal `callback_id` (view_submission and view_closed), or `{ pattern }`. */
    view: idOrPattern.optional(),
    /** External select `action_id` (block_suggestion): the route answers with options. */
    options: idOrPattern.optional(),
    /** Global or message shortcut `callback_id`. */
    shortcut: z.string().min(1).max(255).optional(),
    /** A workflow endpoint, `POST /workflows/<name>`, authenticated by a bearer JWT (see `jwt`). */
    workflow: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)').optional(),
    /** A webhook source, `POST /hooks/<name>`, authenticated by its HMAC scheme (see `sources`). */
    hook: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)').optional(),
  })
  .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, {
    message: 'name exactly one of event, message, function, command, action, block, view, options, shortcut, workflow, hook',
  })

export type MatchConfig = z.output<typeof matchSchema>

/** The default deadline of a handler that answers in the ack: well under Slack's 3 seconds. */
export const DEFAULT_ACK_DEADLINE_MS = 2500

/**
 * A route that answers in the acknowledgement: its handler's `ack` runs before the 200, within
 * `deadlineMs` of the request's arrival, and what it returns is the 200's body. `ack: handler`
 * is short for the defaults.
 */
export const ackSchema = z.preprocess(
  (value) => (value === 'handler' ? {} : value),
  z.strictObject({
    /** How long the handler may take, from the request's arrival (at most 2,900 ms: Slack waits 3 s). */
    deadlineMs: z.number().int().min(100).max(2900).default(DEFAULT_ACK_DEADLINE_MS),
    /** What the person is told when the handler is late, throws or answers something invalid. */
    fallbackMessage: z.string().min(1).max(150).optional(),
  }),
)

export type AckConfig = z.output<typeof ackSchema>

/** The kinds of route whose ack Slack shows to the person: the only ones that may answer in it. */
export const ACK_MATCHES = ['command', 'view', 'options'] as const

import { z } from 'zod'

// Only the fields slackgate reads are modelled; everything else stays in the raw payload.
// Slack's payload references: https://api.slack.com/apis/events-api#callback-field
// https://api.slack.com/interactivity/slash-commands#app_command_handling
// https://api.slack.com/reference/interaction-payloads

const id = z.string().min(1).max(255)
const idRef = z.object({ id }).nullish()
const userOrId = z.union([id, z.object({ id })]).optional()
// An event's channel: its id, or a conversation object (channel_created, channel_rename, …).
const channelOrId = z.union([id, z.object({ id, name: z.string().max(255).optional(), is_im: z.boolean().optional(), is_mpim: z.boolean().optional() })]).optional()

export const envelopeSchema = z.object({ type: z.string().min(1).max(255) })

export const urlVerificationSchema = z.object({
  type: z.literal('url_verification'),
  challenge: z.string().min(1).max(1024),
})

/** The Events API envelope around every event. */
const eventEnvelope = {
  type: z.literal('event_callback'),
  team_id: id.optional(),
  context_team_id: id.nullish(),
  enterprise_id: id.nullish(),
  context_enterprise_id: id.nullish(),
  api_app_id: id.optional(),
  event_id: id,
  event_time: z.number().int().nonnegative().optional(),
}

export const eventCallbackSchema = z.object({
  ...eventEnvelope,
  is_ext_shared_channel: z.boolean().optional(),
  event: z.object({
    type: z.string().min(1).max(255),
    user: userOrId,
    user_team: id.optional(),
    channel: channelOrId,
    channel_type: z.string().max(64).optional(),
    item: z.object({ channel: id.optional() }).optional(),
  }),
})

/** A custom step's run: https://docs.slack.dev/reference/events/function_executed/ */
export const functionExecutedSchema = z.object({
  ...eventEnvelope,
  event: z.object({
    type: z.literal('function_executed'),
    function: z.object({ callback_id: z.string().min(1).max(255) }),
    inputs: z.record(z.string(), z.unknown()).default({}),
    function_execution_id: id,
    workflow_execution_id: id.optional(),
    // Without it the step could never be completed: refused rather than run.
    bot_access_token: z.string().min(1).max(1024),
  }),
})

export const appRateLimitedSchema = z.object({
  type: z.literal('app_rate_limited'),
  team_id: id,
  minute_rate_limited: z.number().int().nonnegative(),
  api_app_id: id.optional(),
})

const formBool = z.enum(['true', 'false']).optional()

export const slashCommandSchema = z.object({
  command: z.string().regex(/^\/[^\s]{1,80}$/),
  text: z.string().max(40_000).default(''),
  team_id: id,
  enterprise_id: id.optional(),
  channel_id: id.optional(),
  channel_name: z.string().max(255).optional(),
  user_id: id,
  trigger_id: id.optional(),
  response_url: z.string().max(2048).optional(),
  is_enterprise_install: formBool,
})

const interactionBase = {
  team: idRef,
  enterprise: idRef,
  user: z.object({ id, team_id: id.optional() }),
  channel: z.object({ id, name: z.string().max(255).optional() }).nullish(),
  is_enterprise_install: z.boolean().optional(),
  trigger_id: id.optional(),
  function_data: z.object({ execution_id: id }).optional(),
  /** A custom step's token, on interactions from a message or view the step posted. */
  bot_access_token: z.string().min(1).max(1024).optional(),
}

export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  ...interactionBase,
  response_url: z.string().max(2048).optional(),
  actions: z.array(z.object({ action_id: id, block_id: id.optional() })).min(1).max(100),
})

export const viewSchema = z.object({
  type: z.enum(['view_submission', 'view_closed']),
  ...interactionBase,
  view: z.object({ callback_id: z.string().max(255) }),
})

export const shortcutSchema = z.object({
  type: z.enum(['shortcut', 'message_action']),
  ...interactionBase,
  callback_id: id,
  response_url: z.string().max(2048).optional(),
})

export const blockSuggestionSchema = z.object({
  type: z.literal('block_suggestion'),
  ...interactionBase,
  action_id: id,
  block_id: id.optional(),
})

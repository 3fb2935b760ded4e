import { decodeSlackRequest, type DecodeResult } from '../slack/decode.js'
import { parseFormBody } from '../slack/parse-body.js'
import type { SlackRequest } from '../slack/slack-request.js'
import type { HookRequest } from './hook-request.js'

/**
 * Decodes the verified body of a `preset: slack` source as `/slack/*` would: JSON is the
 * Events API, a form with `payload` an interaction, any other form a slash command. Slack
 * posts all three to one URL when an app points them there.
 */
export function decodeSlackHook(raw: Uint8Array, form: boolean): DecodeResult {
  if (!form) return decodeSlackRequest('events', raw)
  const fields = parseFormBody(raw)
  if (!fields.ok) return fields
  return decodeSlackRequest(fields.value.payload !== undefined ? 'interactions' : 'commands', raw)
}

/**
 * The hook request a Slack request becomes: its Slack identity (team, channel, user) kept, so
 * that the route's access policy decides on it as on `/slack/*`.
 */
export function slackHookRequest(hook: string, slack: SlackRequest): HookRequest {
  const event = slack.kind === 'event' ? slack.type : slack.kind === 'command' ? slack.command : slack.kind
  const deliveryId = 'eventId' in slack ? slack.eventId : 'triggerId' in slack ? slack.triggerId : undefined
  return {
    kind: 'hook',
    source: 'hooks',
    hook,
    event,
    ...(deliveryId !== undefined && { deliveryId }),
    context: slack.context,
    payload: slack.payload,
  }
}

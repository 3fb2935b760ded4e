import { randomBytes, randomInt } from 'node:crypto'

/** A Slack request body and where Slack would send it. */
export interface SampleRequest {
  readonly path: '/slack/events' | '/slack/commands' | '/slack/interactions'
  readonly contentType: string
  readonly body: string
}

export interface SampleIdentity {
  readonly team: string
  readonly user: string
  readonly channel: string
}

/** A fresh trigger id in Slack's shape, so replay defense sees distinct requests. */
export function triggerId(): string {
  return `${randomInt(1e11, 1e12 - 1)}.${randomInt(1e10, 1e11 - 1)}.${randomBytes(16).toString('hex')}`
}

export function slashCommandBody(command: string, text: string, who: SampleIdentity): SampleRequest {
  const fields = new URLSearchParams({
    token: 'unused-verification-token',
    team_id: who.team,
    team_domain: 'example',
    channel_id: who.channel,
    channel_name: 'general',
    user_id: who.user,
    user_name: 'someone',
    command,
    text,
    api_app_id: 'A0000000001',
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${who.team}/1/${randomBytes(12).toString('hex')}`,
    trigger_id: triggerId(),
  })
  return { path: '/slack/commands', contentType: 'application/x-www-form-urlencoded', body: fields.toString() }
}

export function eventBody(type: string, who: SampleIdentity, now: number): SampleRequest {
  const envelope = {
    token: 'unused-verification-token',
    team_id: who.team,
    api_app_id: 'A0000000001',
    event: { type, user: who.user, channel: who.channel, text: 'hello', ts: `${now}.000100`, event_ts: `${now}.000100` },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: now,
    authorizations: [{ team_id: who.team, user_id: 'U0BOT00001', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  }
  return { path: '/slack/events', contentType: 'application/json', body: JSON.stringify(envelope) }
}

/**
 * A `function_executed` event, as Slack sends it when a workflow reaches a custom step. Its
 * `bot_access_token` is made up (`xwfp-sample-…`): the gateway runs the step, and Slack refuses
 * the completion it sends with it, so the step ends `not_completed` in the audit log.
 */
export function functionExecutedBody(callbackId: string, inputs: Readonly<Record<string, unknown>>, who: SampleIdentity, now: number): SampleRequest {
  const executionId = `Fx${randomBytes(5).toString('hex').toUpperCase()}`
  const envelope = {
    token: 'unused-verification-token',
    team_id: who.team,
    api_app_id: 'A0000000001',
    event: {
      type: 'function_executed',
      function: { id: 'Fn0000000001', callback_id: callbackId, title: callbackId, type: 'app', app_id: 'A0000000001', input_parameters: [], output_parameters: [] },
      inputs,
      function_execution_id: executionId,
      workflow_execution_id: `Wx${randomBytes(5).toString('hex').toUpperCase()}`,
      event_ts: `${now}.000100`,
      bot_access_token: `xwfp-sample-${randomBytes(12).toString('hex')}`,
    },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: now,
    authorizations: [{ team_id: who.team, user_id: 'U0BOT00001', is_bot: true, is_enterprise_install: false }],
  }
  return { path: '/slack/events', contentType: 'application/json', body: JSON.stringify(envelope) }
}

export function urlVerificationBody(): SampleRequest {
  const body = { token: 'unused-verification-token', challenge: randomBytes(24).toString('base64url'), type: 'url_verification' }
  return { path: '/slack/events', contentType: 'application/json', body: JSON.stringify(body) }
}

export const INTERACTION_TYPES = ['block_actions', 'view_submission', 'shortcut', 'message_action'] as const
export type InteractionType = (typeof INTERACTION_TYPES)[number]

export function interactionBody(type: InteractionType, id: string, who: SampleIdentity): SampleRequest {
  const base = {
    type,
    team: { id: who.team, domain: 'example' },
    user: { id: who.user, team_id: who.team },
    api_app_id: 'A0000000001',
    token: 'unused-verification-token',
    trigger_id: triggerId(),
    is_enterprise_install: false,
  }
  const responseUrl = `https://hooks.slack.com/actions/${who.team}/1/${randomBytes(12).toString('hex')}`
  let payload: Record<string, unknown>
  switch (type) {
    case 'block_actions':
      payload = {
        ...base,
        channel: { id: who.channel },
        response_url: responseUrl,
        actions: [{ type: 'button', action_id: id, block_id: 'b1', value: 'v', action_ts: '1' }],
      }
      break
    case 'view_submission':
      payload = { ...base, view: { id: 'V0000000001', callback_id: id, state: { values: {} } } }
      break
    case 'shortcut':
      payload = { ...base, callback_id: id, action_ts: '1' }
      break
    case 'message_action':
      payload = { ...base, callback_id: id, channel: { id: who.channel }, response_url: responseUrl, message: { text: 'hi' } }
      break
  }
  return {
    path: '/slack/interactions',
    contentType: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
  }
}

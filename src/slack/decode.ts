import type { z } from 'zod'
import { conversationKind, type ConversationFacts } from './direct-message.js'
import type { DecodeCode } from './errors.js'
import { parseFormBody, parseJsonBody, parseJsonText, type FormFields } from './parse-body.js'
import {
  appRateLimitedSchema,
  blockActionsSchema,
  blockSuggestionSchema,
  envelopeSchema,
  eventCallbackSchema,
  functionExecutedSchema,
  shortcutSchema,
  slashCommandSchema,
  urlVerificationSchema,
  viewSchema,
} from './schemas.js'
import type { SlackContext, SlackRequest, SlackSource } from './slack-request.js'

export type DecodeResult =
  | {
      readonly ok: true
      readonly request: SlackRequest
      /**
       * A custom step's `bot_access_token` (a `function_executed` event, or an interaction
       * from a message or view the step posted), taken out of the payload: it goes no
       * further than the caller, which seals it (see functions/step-token.ts).
       */
      readonly stepToken?: string
    }
  | { readonly ok: false; readonly reason: DecodeCode; readonly detail: string }

type Payload = Readonly<Record<string, unknown>>

/**
 * Turns a verified body into a typed `SlackRequest`. Call it only after the signature
 * verified: nothing in the body is trusted before that. A well-formed payload of an
 * unmodelled type decodes as `kind: 'unknown'` instead of failing.
 *
 * @example
 * const decoded = decodeSlackRequest('commands', rawBody)
 * if (decoded.ok && decoded.request.kind === 'command') await runCommand(decoded.request.command, decoded.request.text)
 */
export function decodeSlackRequest(source: SlackSource, body: Uint8Array): DecodeResult {
  if (source === 'events') {
    const parsed = parseJsonBody(body)
    if (!parsed.ok) return parsed
    return decodeEvent(parsed.value)
  }
  const form = parseFormBody(body)
  if (!form.ok) return form
  const fields = form.value
  if (fields.ssl_check !== undefined) return decodeSslCheck(source, fields)
  return source === 'commands' ? decodeCommand(fields) : decodeInteraction(fields)
}

function decodeEvent(value: unknown): DecodeResult {
  if (!isRecord(value)) return invalid('body is not a JSON object')
  const envelope = envelopeSchema.safeParse(value)
  if (!envelope.success) return invalidFrom(envelope.error)
  switch (envelope.data.type) {
    case 'url_verification': {
      const r = urlVerificationSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      return ok({ kind: 'url_verification', source: 'events', challenge: r.data.challenge, context: {}, payload: value })
    }
    case 'event_callback': {
      if (isRecord(value.event) && value.event.type === 'function_executed') return decodeFunctionExecuted(value)
      const r = eventCallbackSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      const e = r.data
      const channel = typeof e.event.channel === 'object' ? e.event.channel : undefined
      const channelId = idOf(e.event.channel) ?? e.event.item?.channel
      const context = compact({
        teamId: e.team_id ?? e.context_team_id ?? undefined,
        enterpriseId: e.enterprise_id ?? e.context_enterprise_id ?? undefined,
        channelId,
        userId: idOf(e.event.user),
        userTeamId: e.event.user_team,
        ...directMessage({ id: channelId, name: channel?.name, type: e.event.channel_type, isIm: channel?.is_im, isMpim: channel?.is_mpim }),
        sharedChannel: e.is_ext_shared_channel === true ? true : undefined,
      })
      return ok({
        kind: 'event',
        source: 'events',
        type: e.event.type,
        eventId: e.event_id,
        ...(e.event_time !== undefined && { eventTime: e.event_time }),
        ...(e.api_app_id !== undefined && { apiAppId: e.api_app_id }),
        context,
        payload: value,
      })
    }
    case 'app_rate_limited': {
      const r = appRateLimitedSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      return ok({
        kind: 'app_rate_limited',
        source: 'events',
        minuteRateLimited: r.data.minute_rate_limited,
        ...(r.data.api_app_id !== undefined && { apiAppId: r.data.api_app_id }),
        context: { teamId: r.data.team_id },
        payload: value,
      })
    }
    default:
      return ok({ kind: 'unknown', source: 'events', type: envelope.data.type, context: {}, payload: value })
  }
}

function decodeFunctionExecuted(value: Payload): DecodeResult {
  const r = functionExecutedSchema.safeParse(value)
  if (!r.success) return invalidFrom(r.error)
  const e = r.data
  const userId = interactorOf(e.event.inputs)
  const result = ok({
    kind: 'function_executed',
    source: 'events',
    callbackId: e.event.function.callback_id,
    functionExecutionId: e.event.function_execution_id,
    ...(e.event.workflow_execution_id !== undefined && { workflowExecutionId: e.event.workflow_execution_id }),
    eventId: e.event_id,
    ...(e.event_time !== undefined && { eventTime: e.event_time }),
    ...(e.api_app_id !== undefined && { apiAppId: e.api_app_id }),
    inputs: e.event.inputs,
    context: compact({
      teamId: e.team_id ?? e.context_team_id ?? undefined,
      enterpriseId: e.enterprise_id ?? e.context_enterprise_id ?? undefined,
      userId,
    }),
    payload: value,
  })
  return result
}

/**
 * Who ran the workflow, where Slack says: the `interactor` of an interactivity input (a
 * step that takes "Person who clicked" gets one). Slack gives no user otherwise.
 */
function interactorOf(inputs: Readonly<Record<string, unknown>>): string | undefined {
  for (const input of Object.values(inputs)) {
    if (!isRecord(input) || !isRecord(input.interactor)) continue
    const id = input.interactor.id
    if (typeof id === 'string' && /^[UW][A-Z0-9]{1,254}$/.test(id)) return id
  }
  return undefined
}

function decodeSslCheck(source: SlackSource, fields: FormFields): DecodeResult {
  if (fields.ssl_check !== '1') return invalid('ssl_check must be 1')
  return ok({ kind: 'ssl_check', source, context: {}, payload: fields })
}

function decodeCommand(fields: FormFields): DecodeResult {
  const r = slashCommandSchema.safeParse(fields)
  if (!r.success) return invalidFrom(r.error)
  const c = r.data
  return ok({
    kind: 'command',
    source: 'commands',
    command: c.command,
    text: c.text,
    ...(c.trigger_id !== undefined && { triggerId: c.trigger_id }),
    ...(c.response_url !== undefined && { responseUrl: c.response_url }),
    context: compact({
      teamId: c.team_id,
      enterpriseId: c.enterprise_id,
      channelId: c.channel_id,
      userId: c.user_id,
      ...directMessage({ id: c.channel_id, name: c.channel_name }),
      isEnterpriseInstall: c.is_enterprise_install === undefined ? undefined : c.is_enterprise_install === 'true',
    }),
    payload: fields,
  })
}

function decodeInteraction(fields: FormFields): DecodeResult {
  if (fields.payload === undefined) return invalid('form field "payload" is missing')
  const parsed = parseJsonText(fields.payload)
  if (!parsed.ok) return parsed
  const value = parsed.value
  if (!isRecord(value)) return invalid('payload is not a JSON object')
  const envelope = envelopeSchema.safeParse(value)
  if (!envelope.success) return invalidFrom(envelope.error)
  switch (envelope.data.type) {
    case 'block_actions': {
      const r = blockActionsSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      const p = r.data
      return ok({
        kind: 'block_actions',
        source: 'interactions',
        actionIds: p.actions.map((a) => a.action_id),
        blockIds: p.actions.flatMap((a) => (a.block_id === undefined ? [] : [a.block_id])),
        ...(p.trigger_id !== undefined && { triggerId: p.trigger_id }),
        ...(p.response_url !== undefined && { responseUrl: p.response_url }),
        ...(p.function_data !== undefined && { functionExecutionId: p.function_data.execution_id }),
        context: interactionContext(p),
        payload: value,
      })
    }
    case 'view_submission':
    case 'view_closed': {
      const r = viewSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      const p = r.data
      return ok({
        kind: p.type,
        source: 'interactions',
        callbackId: p.view.callback_id,
        ...(p.trigger_id !== undefined && { triggerId: p.trigger_id }),
        ...(p.function_data !== undefined && { functionExecutionId: p.function_data.execution_id }),
        context: interactionContext(p),
        payload: value,
      })
    }
    case 'shortcut':
    case 'message_action': {
      const r = shortcutSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      const p = r.data
      return ok({
        kind: p.type,
        source: 'interactions',
        callbackId: p.callback_id,
        ...(p.trigger_id !== undefined && { triggerId: p.trigger_id }),
        ...(p.response_url !== undefined && { responseUrl: p.response_url }),
        context: interactionContext(p),
        payload: value,
      })
    }
    case 'block_suggestion': {
      const r = blockSuggestionSchema.safeParse(value)
      if (!r.success) return invalidFrom(r.error)
      const p = r.data
      return ok({
        kind: 'block_suggestion',
        source: 'interactions',
        actionId: p.action_id,
        ...(p.block_id !== undefined && { blockId: p.block_id }),
        context: interactionContext(p),
        payload: value,
      })
    }
    default:
      return ok({ kind: 'unknown', source: 'interactions', type: envelope.data.type, context: {}, payload: value })
  }
}

interface InteractionFields {
  team?: { id: string } | null | undefined
  enterprise?: { id: string } | null | undefined
  user: { id: string; team_id?: string | undefined }
  channel?: { id: string; name?: string | undefined } | null | undefined
  is_enterprise_install?: boolean | undefined
}

function interactionContext(p: InteractionFields): SlackContext {
  return compact({
    teamId: p.team?.id,
    enterpriseId: p.enterprise?.id,
    channelId: p.channel?.id,
    userId: p.user.id,
    userTeamId: p.user.team_id,
    ...directMessage({ id: p.channel?.id, name: p.channel?.name }),
    isEnterpriseInstall: p.is_enterprise_install,
  })
}

// The context's DM facts (see direct-message.ts); a channel leaves both unset.
function directMessage(facts: ConversationFacts): { directMessage?: true; presumedDirectMessage?: true } {
  switch (conversationKind(facts)) {
    case 'direct':
      return { directMessage: true }
    case 'presumed-direct':
      return { directMessage: true, presumedDirectMessage: true }
    default:
      return {}
  }
}

function idOf(v: string | { id: string } | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.id
}

function compact(context: { [K in keyof SlackContext]: SlackContext[K] | undefined }): SlackContext {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(context)) if (v !== undefined) out[k] = v
  return out as SlackContext
}

function isRecord(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Slack's deprecated verification token rides in every payload. It is a credential and is
// of no use past verification (signatures replaced it), so it goes no further than here.
// A custom step's bot_access_token (the event's, or an interaction's) is a credential too:
// it leaves the payload here and is handed to the caller apart, to be sealed.
function ok(request: SlackRequest): DecodeResult {
  const p = request.payload
  const event = isRecord(p.event) ? p.event : undefined
  const eventToken = event !== undefined && Object.hasOwn(event, 'bot_access_token')
  if (!Object.hasOwn(p, 'token') && !Object.hasOwn(p, 'bot_access_token') && !eventToken) return { ok: true, request }
  const { token: _token, bot_access_token: interactionToken, ...rest } = p
  const payload: Record<string, unknown> = rest
  let stepToken = typeof interactionToken === 'string' ? interactionToken : undefined
  if (event !== undefined && eventToken) {
    const { bot_access_token: token, ...eventRest } = event
    if (typeof token === 'string') stepToken = token
    payload.event = eventRest
  }
  // Only a request of a step (its event, or an interaction carrying function_data) keeps it.
  const ofStep = request.kind === 'function_executed' || ('functionExecutionId' in request && request.functionExecutionId !== undefined)
  const decoded = { ...request, payload } as SlackRequest
  return ofStep && stepToken !== undefined ? { ok: true, request: decoded, stepToken } : { ok: true, request: decoded }
}

function invalid(detail: string): DecodeResult {
  return { ok: false, reason: 'invalid_payload', detail }
}

// The detail names fields, never their values: it goes to logs.
function invalidFrom(error: z.ZodError): DecodeResult {
  const issue = error.issues[0]
  const path = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.')
  return invalid(`${path}: ${issue?.code ?? 'invalid'}`)
}

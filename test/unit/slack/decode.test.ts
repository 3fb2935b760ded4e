import { describe, expect, it } from 'vitest'
import { decodeSlackRequest } from '../../../src/slack/decode.js'
import { commandFields, eventEnvelope, form } from '../../helpers/signing.js'
import { stepEvent } from '../../helpers/step-event.js'

const json = (v: unknown) => Buffer.from(JSON.stringify(v))
const interaction = (payload: unknown) => Buffer.from(form({ payload: JSON.stringify(payload) }))

describe('decodeSlackRequest: events', () => {
  it('url_verification', () => {
    const r = decodeSlackRequest('events', json({ type: 'url_verification', token: 't', challenge: 'abc' }))
    expect(r).toMatchObject({ ok: true, request: { kind: 'url_verification', challenge: 'abc' } })
  })

  it('event_callback with its context', () => {
    const r = decodeSlackRequest('events', json(eventEnvelope({ enterprise_id: 'E0001' })))
    expect(r).toMatchObject({
      ok: true,
      request: {
        kind: 'event',
        type: 'app_mention',
        eventId: 'Ev0001',
        apiAppId: 'A0001',
        context: { teamId: 'T0001', enterpriseId: 'E0001', channelId: 'C0001', userId: 'U0001' },
      },
    })
  })

  it('event_callback: channel and user given as objects, or through item', () => {
    const a = decodeSlackRequest('events', json(eventEnvelope({ event: { type: 'channel_created', channel: { id: 'C9', name: 'x' }, user: { id: 'U9' } } })))
    expect(a).toMatchObject({ ok: true, request: { context: { channelId: 'C9', userId: 'U9' } } })
    const b = decodeSlackRequest('events', json(eventEnvelope({ event: { type: 'reaction_added', user: 'U1', item: { channel: 'C7' } } })))
    expect(b).toMatchObject({ ok: true, request: { context: { channelId: 'C7' } } })
  })

  it('function_executed is a custom step: callback_id, ids and inputs; its token handed over apart', () => {
    const token = 'xwfp-1-2-3-secret'
    const r = decodeSlackRequest('events', json(stepEvent({ executionId: 'Fx1', token, inputs: { amount: 7, who: { interactor: { id: 'U0RAN' } } } })))
    expect(r).toMatchObject({
      ok: true,
      stepToken: token,
      request: { kind: 'function_executed', callbackId: 'approve_expense', functionExecutionId: 'Fx1', workflowExecutionId: 'Wx0001', inputs: { amount: 7 }, context: { teamId: 'T0001', userId: 'U0RAN' } },
    })
    // The payload (what the audit log and a forward may hold) no longer has the token.
    expect(JSON.stringify(r.ok && r.request.payload)).not.toContain(token)
  })

  it('a function_executed event without its token cannot be finished: refused', () => {
    const event = stepEvent()
    delete (event.event as Record<string, unknown>).bot_access_token
    expect(decodeSlackRequest('events', json(event))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })

  it("an interaction's bot_access_token leaves the payload: handed over with function_data, dropped without", () => {
    const payload = { type: 'block_actions', user: { id: 'U1' }, team: { id: 'T1' }, actions: [{ action_id: 'approve' }], bot_access_token: 'xwfp-9-secret' }
    const ofStep = decodeSlackRequest('interactions', interaction({ ...payload, function_data: { execution_id: 'Fx9' } }))
    expect(ofStep).toMatchObject({ ok: true, stepToken: 'xwfp-9-secret', request: { functionExecutionId: 'Fx9' } })
    const plain = decodeSlackRequest('interactions', interaction(payload))
    expect(plain.ok && 'stepToken' in plain).toBe(false)
    for (const r of [ofStep, plain]) expect(JSON.stringify(r.ok && r.request.payload)).not.toContain('xwfp-9-secret')
  })

  it('app_rate_limited', () => {
    const r = decodeSlackRequest('events', json({ type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820, api_app_id: 'A1' }))
    expect(r).toMatchObject({ ok: true, request: { kind: 'app_rate_limited', minuteRateLimited: 1518467820, context: { teamId: 'T1' } } })
  })

  it('an unknown but well-formed envelope type passes through as unknown', () => {
    const r = decodeSlackRequest('events', json({ type: 'something_new', data: 1 }))
    expect(r).toMatchObject({ ok: true, request: { kind: 'unknown', type: 'something_new', payload: { data: 1 } } })
  })

  it('keeps the whole payload, not only the modelled fields', () => {
    const r = decodeSlackRequest('events', json(eventEnvelope({ authorizations: [{ is_bot: true }] })))
    expect(r.ok && r.request.payload.authorizations).toEqual([{ is_bot: true }])
  })

  it.each([
    ['truncated JSON', Buffer.from('{"type":"event_callback"')],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])],
    ['empty body', Buffer.alloc(0)],
    ['__proto__ key', Buffer.from('{"type":"x","__proto__":{"admin":true}}')],
    ['constructor.prototype key', Buffer.from('{"type":"x","constructor":{"prototype":{"admin":true}}}')],
  ])('malformed_body: %s', (_name, body) => {
    expect(decodeSlackRequest('events', body)).toMatchObject({ ok: false, reason: 'malformed_body' })
  })

  it.each([
    ['an array', []],
    ['a string', 'hello'],
    ['no type', { event: {} }],
    ['event_callback without event_id', eventEnvelope({ event_id: undefined })],
    ['event_callback without event', eventEnvelope({ event: undefined })],
    ['url_verification without challenge', { type: 'url_verification' }],
    ['app_rate_limited without team', { type: 'app_rate_limited', minute_rate_limited: 1 }],
  ])('invalid_payload: %s', (_name, value) => {
    expect(decodeSlackRequest('events', json(value))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })
})

describe('decodeSlackRequest: the legacy verification token', () => {
  it.each([
    ['an event', 'events' as const, json(eventEnvelope({ token: 'legacy-secret-token' }))],
    ['a command', 'commands' as const, Buffer.from(form({ ...commandFields, token: 'legacy-secret-token' }))],
    ['an interaction', 'interactions' as const, interaction({ type: 'shortcut', token: 'legacy-secret-token', callback_id: 'c', user: { id: 'U1' } })],
  ])('is dropped from %s', (_name, source, body) => {
    const r = decodeSlackRequest(source, body)
    expect(r.ok).toBe(true)
    expect(JSON.stringify(r)).not.toContain('legacy-secret-token')
  })
})

describe('decodeSlackRequest: commands', () => {
  it('slash command with its context', () => {
    const r = decodeSlackRequest('commands', Buffer.from(form({ ...commandFields, enterprise_id: 'E1', is_enterprise_install: 'false' })))
    expect(r).toMatchObject({
      ok: true,
      request: {
        kind: 'command',
        command: '/deploy',
        text: 'prod',
        triggerId: '123.456.abc',
        responseUrl: 'https://hooks.slack.com/commands/T0001/1/abc',
        context: { teamId: 'T0001', enterpriseId: 'E1', channelId: 'C0001', userId: 'U0001', isEnterpriseInstall: false },
      },
    })
  })

  it('ssl_check', () => {
    expect(decodeSlackRequest('commands', Buffer.from('ssl_check=1&token=x'))).toMatchObject({ ok: true, request: { kind: 'ssl_check' } })
  })

  it('ssl_check with another value is invalid', () => {
    expect(decodeSlackRequest('commands', Buffer.from('ssl_check=2'))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })

  it('malformed_body: a field sent twice (parameter pollution)', () => {
    const body = `${form(commandFields)}&command=%2Fdrop-database`
    expect(decodeSlackRequest('commands', Buffer.from(body))).toMatchObject({ ok: false, reason: 'malformed_body' })
  })

  it('malformed_body: invalid UTF-8', () => {
    expect(decodeSlackRequest('commands', Buffer.from([0x63, 0x3d, 0xc3]))).toMatchObject({ ok: false, reason: 'malformed_body' })
  })

  it.each([
    ['no command', { ...commandFields, command: undefined }],
    ['command without slash', { ...commandFields, command: 'deploy' }],
    ['no user', { ...commandFields, user_id: undefined }],
    ['no team', { ...commandFields, team_id: undefined }],
  ])('invalid_payload: %s', (_name, fields) => {
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>
    expect(decodeSlackRequest('commands', Buffer.from(form(clean)))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })
})

describe('decodeSlackRequest: interactions', () => {
  const base = { team: { id: 'T1' }, user: { id: 'U1' }, trigger_id: 'tr1' }

  it('block_actions', () => {
    const r = decodeSlackRequest(
      'interactions',
      interaction({
        ...base,
        type: 'block_actions',
        channel: { id: 'C1' },
        enterprise: { id: 'E1' },
        response_url: 'https://hooks.slack.com/actions/x',
        actions: [{ action_id: 'approve', block_id: 'b1' }, { action_id: 'deny' }],
        function_data: { execution_id: 'Fx9' },
      }),
    )
    expect(r).toMatchObject({
      ok: true,
      request: {
        kind: 'block_actions',
        actionIds: ['approve', 'deny'],
        blockIds: ['b1'],
        triggerId: 'tr1',
        functionExecutionId: 'Fx9',
        context: { teamId: 'T1', enterpriseId: 'E1', channelId: 'C1', userId: 'U1' },
      },
    })
  })

  it.each(['view_submission', 'view_closed'] as const)('%s', (type) => {
    const r = decodeSlackRequest('interactions', interaction({ ...base, team: null, type, view: { callback_id: 'deploy_modal' } }))
    expect(r).toMatchObject({ ok: true, request: { kind: type, callbackId: 'deploy_modal', context: { userId: 'U1' } } })
  })

  it.each(['shortcut', 'message_action'] as const)('%s', (type) => {
    const r = decodeSlackRequest('interactions', interaction({ ...base, type, callback_id: 'open_ticket' }))
    expect(r).toMatchObject({ ok: true, request: { kind: type, callbackId: 'open_ticket', triggerId: 'tr1' } })
  })

  it('block_suggestion', () => {
    const r = decodeSlackRequest('interactions', interaction({ ...base, type: 'block_suggestion', action_id: 'pick', block_id: 'b' }))
    expect(r).toMatchObject({ ok: true, request: { kind: 'block_suggestion', actionId: 'pick', blockId: 'b' } })
  })

  it('unknown interaction type passes through', () => {
    const r = decodeSlackRequest('interactions', interaction({ type: 'dialog_submission', callback_id: 'x' }))
    expect(r).toMatchObject({ ok: true, request: { kind: 'unknown', type: 'dialog_submission' } })
  })

  it('invalid_payload: no payload field', () => {
    expect(decodeSlackRequest('interactions', Buffer.from('foo=bar'))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })

  it('malformed_body: payload is not JSON', () => {
    expect(decodeSlackRequest('interactions', Buffer.from('payload=%7Bnope'))).toMatchObject({ ok: false, reason: 'malformed_body' })
  })

  it.each([
    ['block_actions without actions', { ...base, type: 'block_actions', actions: [] }],
    ['view_submission without view', { ...base, type: 'view_submission' }],
    ['shortcut without callback_id', { ...base, type: 'shortcut' }],
    ['no user', { type: 'block_actions', actions: [{ action_id: 'a' }] }],
    ['payload is an array', [1, 2]],
  ])('invalid_payload: %s', (_name, payload) => {
    expect(decodeSlackRequest('interactions', interaction(payload))).toMatchObject({ ok: false, reason: 'invalid_payload' })
  })

  it('the failure detail names the field, never its value', () => {
    const r = decodeSlackRequest('interactions', interaction({ ...base, type: 'shortcut', callback_id: 42, secret_value: 'xoxb-123' }))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.detail).toContain('callback_id')
      expect(r.detail).not.toContain('42')
    }
  })
})

describe('decodeSlackRequest: what the access policy reads', () => {
  const contextOf = (r: ReturnType<typeof decodeSlackRequest>) => (r.ok ? r.request.context : undefined)
  const user = { id: 'U1' }

  it.each([
    ['an event in an im', eventEnvelope({ event: { type: 'message', user: 'U1', channel: 'D1', channel_type: 'im' } }), { channelId: 'D1', directMessage: true }],
    ['an event in a group DM (mpim)', eventEnvelope({ event: { type: 'message', user: 'U1', channel: 'G1', channel_type: 'mpim' } }), { directMessage: true }],
    ['an event in a channel', eventEnvelope({ event: { type: 'message', user: 'U1', channel: 'C1', channel_type: 'channel' } }), { channelId: 'C1' }],
    ['an event Slack flags as Slack Connect, from a foreign user', eventEnvelope({ is_ext_shared_channel: true, event: { type: 'message', user: 'U1', user_team: 'T9', channel: 'C1' } }), { sharedChannel: true, userTeamId: 'T9' }],
  ])('events: %s', (_name, envelope, expected) => {
    const context = contextOf(decodeSlackRequest('events', json(envelope)))
    expect(context).toMatchObject(expected)
    if (!('directMessage' in expected)) expect(context).not.toHaveProperty('directMessage')
    if (!('sharedChannel' in expected)) expect(context).not.toHaveProperty('sharedChannel')
  })

  it.each([
    ['channel_name directmessage', { channel_id: 'D1', channel_name: 'directmessage' }, true],
    ['a group DM by name', { channel_id: 'G1', channel_name: 'mpdm-alice--bob-1' }, true],
    ['a D channel id alone', { channel_id: 'D1' }, true],
    ['a G id Slack does not name (privategroup): presumed a group DM', { channel_id: 'G1', channel_name: 'privategroup' }, true],
    ['a private channel by its name', { channel_id: 'G1', channel_name: 'payroll' }, undefined],
    ['a public channel', { channel_id: 'C1', channel_name: 'deploys' }, undefined],
  ])('commands: %s', (_name, fields, dm) => {
    expect(contextOf(decodeSlackRequest('commands', Buffer.from(form({ ...commandFields, ...fields }))))?.directMessage).toBe(dm)
  })

  it("interactions: the user's own workspace, and DMs by channel name", () => {
    const r = decodeSlackRequest('interactions', interaction({ type: 'shortcut', team: { id: 'T1' }, user: { ...user, team_id: 'T9' }, channel: { id: 'D1', name: 'directmessage' }, callback_id: 'x' }))
    expect(contextOf(r)).toMatchObject({ teamId: 'T1', userTeamId: 'T9', channelId: 'D1', directMessage: true })
  })
})

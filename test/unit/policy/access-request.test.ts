import { describe, expect, it } from 'vitest'
import { accessSchema } from '../../../src/config/access-schema.js'
import { accessRequestOf } from '../../../src/policy/access-request.js'
import { decide } from '../../../src/policy/decide.js'
import { compileAccess } from '../../../src/policy/route-access.js'
import { decodeSlackRequest } from '../../../src/slack/decode.js'
import type { SlackSource } from '../../../src/slack/slack-request.js'
import { commandFields, eventEnvelope, form } from '../../helpers/signing.js'

const event = (e: Record<string, unknown>): [SlackSource, Buffer] => ['events', Buffer.from(JSON.stringify(eventEnvelope({ event: { user: 'U1', ...e } })))]
const command = (fields: Record<string, string>): [SlackSource, Buffer] => ['commands', Buffer.from(form({ ...commandFields, ...fields }))]
const action = (channel: Record<string, unknown> | undefined): [SlackSource, Buffer] => [
  'interactions',
  Buffer.from(form({ payload: JSON.stringify({ type: 'block_actions', team: { id: 'T0001' }, user: { id: 'U1' }, ...(channel && { channel }), actions: [{ action_id: 'a' }] }) })),
]
const shortcut = (type: string, channel: Record<string, unknown> | undefined): [SlackSource, Buffer] => [
  'interactions',
  Buffer.from(form({ payload: JSON.stringify({ type, callback_id: 'cb', team: { id: 'T0001' }, user: { id: 'U1' }, ...(channel && { channel }) }) })),
]

type Seen = 'dm' | 'presumed dm' | 'not a dm'

// Payload shapes as Slack documents them: the Events API (message.im / message.mpim carry
// channel_type; app_mention, reactions and pins carry only the conversation id), slash
// commands (channel_name `directmessage`, `mpdm-…`, `privategroup` or the channel's name),
// and interaction payloads (channel { id, name }).
// https://api.slack.com/events/message.im  https://api.slack.com/events/message.mpim
// https://api.slack.com/events/app_mention https://api.slack.com/events/member_joined_channel
// https://api.slack.com/interactivity/slash-commands#app_command_handling
// https://api.slack.com/reference/interaction-payloads/block-actions
const shapes: Array<[string, [SlackSource, Buffer], Seen]> = [
  // Events: labelled by channel_type
  ['message.im (channel_type im)', event({ type: 'message', channel: 'D0001', channel_type: 'im' }), 'dm'],
  ['message.mpim (channel_type mpim, G id)', event({ type: 'message', channel: 'G0001', channel_type: 'mpim' }), 'dm'],
  ['message.mpim (channel_type mpim, C id)', event({ type: 'message', channel: 'C0001', channel_type: 'mpim' }), 'dm'],
  ['message in the app home Messages tab (channel_type im)', event({ type: 'message', channel: 'D0002', channel_type: 'im' }), 'dm'],
  ['message.app_home (channel_type app_home)', event({ type: 'message', channel: 'D0002', channel_type: 'app_home' }), 'dm'],
  ['message.app_home with a non-D id (channel_type app_home)', event({ type: 'message', channel: 'C0002', channel_type: 'app_home' }), 'dm'],
  ['message.channels (channel_type channel)', event({ type: 'message', channel: 'C0001', channel_type: 'channel' }), 'not a dm'],
  ['message.groups in an old private channel (channel_type group, G id)', event({ type: 'message', channel: 'G0001', channel_type: 'group' }), 'not a dm'],
  ['a D id labelled channel (contradiction: the id wins)', event({ type: 'message', channel: 'D0001', channel_type: 'channel' }), 'dm'],
  // Events: only an id
  ['app_mention in a DM (D id)', event({ type: 'app_mention', channel: 'D0001' }), 'dm'],
  ['app_mention in a group DM (G id, no channel_type)', event({ type: 'app_mention', channel: 'G0001' }), 'presumed dm'],
  ['app_mention in a channel (C id)', event({ type: 'app_mention', channel: 'C0001' }), 'not a dm'],
  ['reaction_added in a group DM (item.channel G id)', event({ type: 'reaction_added', item: { type: 'message', channel: 'G0001', ts: '1.2' } }), 'presumed dm'],
  ['reaction_added in a DM (item.channel D id)', event({ type: 'reaction_added', item: { type: 'message', channel: 'D0001', ts: '1.2' } }), 'dm'],
  ['member_joined_channel, private (channel_type G)', event({ type: 'member_joined_channel', channel: 'G0001', channel_type: 'G' }), 'presumed dm'],
  ['member_joined_channel, public (channel_type C)', event({ type: 'member_joined_channel', channel: 'C0001', channel_type: 'C' }), 'not a dm'],
  // Events: a conversation object
  ['a conversation object with is_im', event({ type: 'im_created', channel: { id: 'D0003', is_im: true } }), 'dm'],
  ['a conversation object with is_mpim (C id)', event({ type: 'group_open', channel: { id: 'C0003', is_mpim: true } }), 'dm'],
  ['a conversation object for a named channel', event({ type: 'channel_created', channel: { id: 'C0004', name: 'ops' } }), 'not a dm'],
  ['an event with no conversation (team_join)', event({ type: 'team_join' }), 'not a dm'],
  // Slash commands
  ['a command in a DM (directmessage)', command({ channel_id: 'D0001', channel_name: 'directmessage' }), 'dm'],
  ['a command in a group DM (mpdm-…, G id)', command({ channel_id: 'G0001', channel_name: 'mpdm-ann--bob--cat-1' }), 'dm'],
  ['a command in a group DM (mpdm-…, C id)', command({ channel_id: 'C0005', channel_name: 'mpdm-ann--bob--cat-1' }), 'dm'],
  ['a command in an old private channel, named (G id)', command({ channel_id: 'G0002', channel_name: 'payroll' }), 'not a dm'],
  ['a command in a private channel the app cannot see (privategroup, G id)', command({ channel_id: 'G0003', channel_name: 'privategroup' }), 'presumed dm'],
  ['a command in a private channel the app cannot see (privategroup, C id)', command({ channel_id: 'C0006', channel_name: 'privategroup' }), 'not a dm'],
  ['a command in a channel', command({ channel_id: 'C0001', channel_name: 'general' }), 'not a dm'],
  // Interactions
  ['a button in a DM (directmessage)', action({ id: 'D0001', name: 'directmessage' }), 'dm'],
  ['a button in a group DM (mpdm-…)', action({ id: 'G0001', name: 'mpdm-ann--bob--cat-1' }), 'dm'],
  ['a button in a group DM, no name (G id)', action({ id: 'G0001' }), 'presumed dm'],
  ['a button in an old private channel, named (G id)', action({ id: 'G0002', name: 'payroll' }), 'not a dm'],
  ['a button in a channel', action({ id: 'C0001', name: 'general' }), 'not a dm'],
  ['a button in a modal (no channel)', action(undefined), 'not a dm'],
  ['a message shortcut in a group DM', shortcut('message_action', { id: 'G0001', name: 'mpdm-ann--bob--cat-1' }), 'dm'],
  ['a message shortcut in a DM (D id only)', shortcut('message_action', { id: 'D0001' }), 'dm'],
  ['a global shortcut (no channel)', shortcut('shortcut', undefined), 'not a dm'],
]

// allowDirectMessages is false by default; the second rule names two G conversations.
const policy = compileAccess(accessSchema.parse({ rules: [{ name: 'anywhere', workspaces: ['T0001', 'T1'] }, { name: 'named-rooms', channels: ['G0001', 'G0002', 'G0003'] }] }))
const strict = compileAccess(accessSchema.parse({ rules: [{ name: 'anywhere', workspaces: ['T0001', 'T1'] }] }))
const dms = compileAccess(accessSchema.parse({ rules: [{ name: 'dms-too', allowDirectMessages: true }] }))
const membership = { isMember: () => false }

describe('accessRequestOf: direct messages, for every payload shape Slack documents', () => {
  it.each(shapes)('%s', (_name, [source, body], seen) => {
    const decoded = decodeSlackRequest(source, body)
    if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail}`)
    const request = accessRequestOf(decoded.request)
    expect({ directMessage: request.directMessage, presumed: request.presumedDirectMessage }).toEqual({
      directMessage: seen !== 'not a dm',
      presumed: seen === 'presumed dm',
    })

    // Under allowDirectMessages: false a DM (sure or presumed) is refused; a rule that names
    // a presumed one (an unlabelled G id) takes it as that channel; allowDirectMessages takes all.
    const strictDecision = decide(request, strict, membership)
    if (seen === 'not a dm') expect(strictDecision).toEqual({ allow: true, rule: 'anywhere' })
    else expect(strictDecision).toEqual({ allow: false, reason: 'direct_message_not_allowed', rule: 'anywhere' })
    if (seen === 'presumed dm') expect(decide(request, policy, membership)).toEqual({ allow: true, rule: 'named-rooms' })
    if (seen === 'dm') expect(decide(request, policy, membership)).toMatchObject({ allow: false, reason: 'direct_message_not_allowed' })
    expect(decide(request, dms, membership)).toEqual({ allow: true, rule: 'dms-too' })
  })
})

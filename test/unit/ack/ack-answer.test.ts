import { describe, expect, it } from 'vitest'
import { ackKindOf, validateAckAnswer, type AckKind } from '../../../src/ack/ack-answer.js'
import { decodeSlackRequest } from '../../../src/slack/decode.js'
import { commandFields, eventEnvelope, form } from '../../helpers/signing.js'

const pt = (text: string) => ({ type: 'plain_text', text })
const x = (n: number) => 'x'.repeat(n)
const times = <T>(n: number, item: T): T[] => Array.from({ length: n }, () => item)
const section = { type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }
const input = { type: 'input', block_id: 'amount', label: pt('Amount'), element: { type: 'plain_text_input', action_id: 'a' } }
const modal = (over: Record<string, unknown> = {}) => ({ type: 'modal', title: pt('Deploy'), blocks: [section], ...over })
const push = (over: Record<string, unknown> = {}) => ({ response_action: 'push', view: modal(over) })
const option = (over: Record<string, unknown> = {}) => ({ text: pt('Alice'), value: 'U1', ...over })
const group = (over: Record<string, unknown> = {}) => ({ label: pt('Recent'), options: [option()], ...over })

type Case = readonly [name: string, kind: AckKind, value: unknown]

// Each rule: a value that passes it and one that breaks it (with the path the problem names).
const accepted: readonly Case[] = [
  ['command: a string is its text', 'command', 'Deploying…'],
  ['command: text', 'command', { text: 'hi' }],
  ['command: text at 40,000 characters', 'command', { text: x(40_000) }],
  ['command: blocks without text', 'command', { blocks: [section] }],
  ['command: empty text beside blocks', 'command', { text: '', blocks: [section] }],
  ['command: 50 blocks', 'command', { blocks: times(50, section) }],
  ['command: in_channel', 'command', { text: 'hi', response_type: 'in_channel' }],
  ['command: ephemeral', 'command', { text: 'hi', response_type: 'ephemeral' }],
  ['command: every documented key', 'command', { text: 'hi', blocks: [section], attachments: [{ color: '#f00', text: 'a' }], response_type: 'ephemeral', mrkdwn: false, unfurl_links: true, unfurl_media: false }],
  ['view_submission: clear', 'view_submission', { response_action: 'clear' }],
  ['view_submission: errors', 'view_submission', { response_action: 'errors', errors: { amount: 'Too much', [x(255)]: x(2000) } }],
  ['view_submission: update', 'view_submission', { response_action: 'update', view: modal() }],
  ['view_submission: push', 'view_submission', push()],
  ['view_submission: title at 24 characters, with emoji', 'view_submission', push({ title: { ...pt(x(24)), emoji: true } })],
  ['view_submission: 100 blocks', 'view_submission', push({ blocks: times(100, section) })],
  ['view_submission: no blocks', 'view_submission', push({ blocks: [] })],
  ['view_submission: input blocks with a submit', 'view_submission', push({ blocks: [input], submit: pt(x(24)), close: pt(x(24)) })],
  ['view_submission: every documented view key', 'view_submission', push({ callback_id: x(255), private_metadata: x(3000), clear_on_close: true, notify_on_close: false, external_id: 'ext-1', submit_disabled: false })],
  ['block_suggestion: no options', 'block_suggestion', { options: [] }],
  ['block_suggestion: options with a description', 'block_suggestion', { options: [option({ description: pt(x(75)) })] }],
  ['block_suggestion: 100 options at their limits', 'block_suggestion', { options: times(100, option({ text: pt(x(75)), value: x(150) })) }],
  ['block_suggestion: option groups', 'block_suggestion', { option_groups: [group(), group({ label: pt(x(75)), options: times(100, option()) })] }],
  ['block_suggestion: 100 option groups', 'block_suggestion', { option_groups: times(100, group()) }],
]

const refused: readonly (readonly [...Case, path: string])[] = [
  ['command: an empty string', 'command', '', 'text'],
  ['command: a string over 40,000 characters', 'command', x(40_001), 'text'],
  ['command: empty text without blocks', 'command', { text: '' }, 'text'],
  ['command: no text, empty blocks', 'command', { blocks: [] }, 'text'],
  ['command: attachments alone', 'command', { attachments: [{ text: 'a' }] }, 'text'],
  ['command: text over 40,000 characters', 'command', { text: x(40_001) }, 'text'],
  ['command: 51 blocks', 'command', { blocks: times(51, section) }, 'blocks'],
  ['command: a block without a type', 'command', { blocks: [{ text: pt('a') }] }, 'blocks[0].type'],
  ['command: an unknown response_type', 'command', { text: 'hi', response_type: 'public' }, 'response_type'],
  ['command: mrkdwn not a boolean', 'command', { text: 'hi', mrkdwn: 'yes' }, 'mrkdwn'],
  ['command: attachments not a list', 'command', { text: 'hi', attachments: { text: 'a' } }, 'attachments'],
  ['command: thread_ts is not an ack key', 'command', { text: 'hi', thread_ts: '1.2' }, '(root)'],
  ['command: a number', 'command', 42, '(root)'],
  ['view_submission: clear with extra keys', 'view_submission', { response_action: 'clear', view: modal() }, '(root)'],
  ['view_submission: an unknown response_action', 'view_submission', { response_action: 'close' }, 'response_action'],
  ['view_submission: a typo in response_action', 'view_submission', { response_actions: 'clear' }, 'response_action'],
  ['view_submission: a string', 'view_submission', 'done', '(root)'],
  ['view_submission: errors without entries', 'view_submission', { response_action: 'errors', errors: {} }, 'errors'],
  ['view_submission: errors missing', 'view_submission', { response_action: 'errors' }, 'errors'],
  ['view_submission: an empty block_id', 'view_submission', { response_action: 'errors', errors: { '': 'bad' } }, 'errors'],
  ['view_submission: a block_id over 255 characters', 'view_submission', { response_action: 'errors', errors: { [x(256)]: 'bad' } }, 'errors'],
  ['view_submission: an empty error message', 'view_submission', { response_action: 'errors', errors: { amount: '' } }, 'errors.amount'],
  ['view_submission: an error message over 2,000 characters', 'view_submission', { response_action: 'errors', errors: { amount: x(2001) } }, 'errors.amount'],
  ['view_submission: an error message not a string', 'view_submission', { response_action: 'errors', errors: { amount: ['bad'] } }, 'errors.amount'],
  ['view_submission: push without a view', 'view_submission', { response_action: 'push' }, 'view'],
  ['view_submission: a home view', 'view_submission', push({ type: 'home' }), 'view.type'],
  ['view_submission: a title over 24 characters', 'view_submission', push({ title: pt(x(25)) }), 'view.title.text'],
  ['view_submission: an empty title', 'view_submission', push({ title: pt('') }), 'view.title.text'],
  ['view_submission: a mrkdwn title', 'view_submission', push({ title: { type: 'mrkdwn', text: 'Deploy' } }), 'view.title.type'],
  ['view_submission: no title', 'view_submission', push({ title: undefined }), 'view.title'],
  ['view_submission: no blocks', 'view_submission', push({ blocks: undefined }), 'view.blocks'],
  ['view_submission: 101 blocks', 'view_submission', push({ blocks: times(101, section) }), 'view.blocks'],
  ['view_submission: a block_id over 255 characters in a block', 'view_submission', push({ blocks: [{ ...section, block_id: x(256) }] }), 'view.blocks[0].block_id'],
  ['view_submission: input blocks without a submit', 'view_submission', push({ blocks: [input] }), 'view.submit'],
  ['view_submission: a submit over 24 characters', 'view_submission', push({ submit: pt(x(25)) }), 'view.submit.text'],
  ['view_submission: a close over 24 characters', 'view_submission', push({ close: pt(x(25)) }), 'view.close.text'],
  ['view_submission: a callback_id over 255 characters', 'view_submission', push({ callback_id: x(256) }), 'view.callback_id'],
  ['view_submission: private_metadata over 3,000 characters', 'view_submission', push({ private_metadata: x(3001) }), 'view.private_metadata'],
  ['view_submission: clear_on_close not a boolean', 'view_submission', push({ clear_on_close: 'true' }), 'view.clear_on_close'],
  ['view_submission: notify_on_close not a boolean', 'view_submission', push({ notify_on_close: 1 }), 'view.notify_on_close'],
  ['view_submission: an empty external_id', 'view_submission', push({ external_id: '' }), 'view.external_id'],
  ['view_submission: an unknown view key', 'view_submission', push({ hash: 'abc' }), 'view'],
  ['block_suggestion: options and option_groups', 'block_suggestion', { options: [], option_groups: [] }, '(root)'],
  ['block_suggestion: neither', 'block_suggestion', {}, '(root)'],
  ['block_suggestion: an unknown key', 'block_suggestion', { options: [], text: 'hi' }, '(root)'],
  ['block_suggestion: 101 options', 'block_suggestion', { options: times(101, option()) }, 'options'],
  ['block_suggestion: option text over 75 characters', 'block_suggestion', { options: [option({ text: pt(x(76)) })] }, 'options[0].text.text'],
  ['block_suggestion: mrkdwn option text', 'block_suggestion', { options: [option({ text: { type: 'mrkdwn', text: 'a' } })] }, 'options[0].text.type'],
  ['block_suggestion: a value over 150 characters', 'block_suggestion', { options: [option({ value: x(151) })] }, 'options[0].value'],
  ['block_suggestion: no value', 'block_suggestion', { options: [option({ value: undefined })] }, 'options[0].value'],
  ['block_suggestion: a description over 75 characters', 'block_suggestion', { options: [option({ description: pt(x(76)) })] }, 'options[0].description.text'],
  ['block_suggestion: an unknown option key', 'block_suggestion', { options: [option({ url: 'https://example.com' })] }, 'options[0]'],
  ['block_suggestion: a group label over 75 characters', 'block_suggestion', { option_groups: [group({ label: pt(x(76)) })] }, 'option_groups[0].label.text'],
  ['block_suggestion: 101 options in a group', 'block_suggestion', { option_groups: [group({ options: times(101, option()) })] }, 'option_groups[0].options'],
  ['block_suggestion: 101 option groups', 'block_suggestion', { option_groups: times(101, group()) }, 'option_groups'],
  ['block_suggestion: a plain list', 'block_suggestion', [option()], '(root)'],
]

describe('validateAckAnswer', () => {
  it.each(['command', 'view_submission', 'block_suggestion'] as const)('%s: no answer is an empty 200', (kind) => {
    expect(validateAckAnswer(kind, undefined)).toEqual({ ok: true, body: undefined })
    expect(validateAckAnswer(kind, null)).toEqual({ ok: true, body: undefined })
  })

  it.each(accepted)('accepts %s', (_name, kind, value) => {
    const body = typeof value === 'string' ? { text: value } : value
    expect(validateAckAnswer(kind, value)).toEqual({ ok: true, body })
  })

  it.each(refused)('refuses %s', (_name, kind, value, path) => {
    const verdict = validateAckAnswer(kind, value)
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) expect(verdict.problem.startsWith(`${path}: `)).toBe(true)
  })

  it('the body is the answer as given: documented keys are kept, not stripped', () => {
    const answer = push({ title: { ...pt('Deploy'), emoji: true }, blocks: [{ ...section, accessory: { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a' } }] })
    const verdict = validateAckAnswer('view_submission', answer)
    expect(verdict).toEqual({ ok: true, body: answer })
  })

  it('a typo in response_action is named', () => {
    const verdict = validateAckAnswer('view_submission', { response_actions: 'clear' })
    expect(verdict).toMatchObject({ ok: false, problem: expect.stringContaining('unknown key(s): response_actions') })
  })

  it('the problem names paths and rules, never the values', () => {
    const personal = 'alice@example.com PERSONAL'
    const answers: readonly [AckKind, unknown][] = [
      ['command', { text: personal, response_type: personal }],
      ['command', { text: 7, blocks: personal }],
      ['view_submission', { response_action: personal }],
      ['view_submission', { response_action: 'errors', errors: { amount: x(3000) + personal } }],
      ['view_submission', push({ title: pt(personal), private_metadata: personal.repeat(200) })],
      ['block_suggestion', { options: [option({ value: personal.repeat(10), text: pt(personal.repeat(5)) })] }],
    ]
    for (const [kind, value] of answers) {
      const verdict = validateAckAnswer(kind, value)
      expect(verdict.ok).toBe(false)
      if (!verdict.ok) expect(verdict.problem).not.toContain('PERSONAL')
    }
  })

  it('keys in the problem are capped, and so is the number of issues and keys listed', () => {
    const longKey = `k${x(500)}`
    const a = validateAckAnswer('view_submission', { response_action: 'errors', errors: { amount: '', [longKey]: 'bad' } })
    const b = validateAckAnswer('command', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, i])))
    const c = validateAckAnswer('block_suggestion', { options: times(10, option({ value: 1 })) })
    for (const verdict of [a, b, c]) expect(verdict.ok).toBe(false)
    if (!a.ok) expect(a.problem).not.toContain(x(100))
    if (!b.ok) expect(b.problem).toContain('(and 35 more)')
    if (!c.ok) expect(c.problem).toContain('(and 7 more)')
  })

  it('an answer that cannot become JSON is refused, not thrown', () => {
    const cyclic: Record<string, unknown> = { type: 'section' }
    cyclic.self = cyclic
    const throwing = { get text(): string { throw new Error('boom') } }
    expect(validateAckAnswer('command', { blocks: [cyclic] })).toMatchObject({ ok: false, problem: '(root): not JSON-serialisable' })
    expect(validateAckAnswer('command', { blocks: [{ type: 'section', n: 1n }] })).toMatchObject({ ok: false })
    expect(validateAckAnswer('command', throwing)).toMatchObject({ ok: false })
  })
})

const interaction = (payload: unknown) => Buffer.from(form({ payload: JSON.stringify(payload) }))
const user = { id: 'U1' }

describe('ackKindOf', () => {
  it.each([
    ['command', decodeSlackRequest('commands', Buffer.from(form(commandFields)))],
    ['view_submission', decodeSlackRequest('interactions', interaction({ type: 'view_submission', user, view: { callback_id: 'deploy' } }))],
    ['block_suggestion', decodeSlackRequest('interactions', interaction({ type: 'block_suggestion', user, action_id: 'pick' }))],
    [undefined, decodeSlackRequest('interactions', interaction({ type: 'view_closed', user, view: { callback_id: 'deploy' } }))],
    [undefined, decodeSlackRequest('interactions', interaction({ type: 'block_actions', user, actions: [{ action_id: 'go' }] }))],
    [undefined, decodeSlackRequest('interactions', interaction({ type: 'shortcut', user, callback_id: 'open' }))],
    [undefined, decodeSlackRequest('events', Buffer.from(JSON.stringify(eventEnvelope())))],
  ] as const)('%s', (expected, decoded) => {
    expect(decoded.ok).toBe(true)
    if (decoded.ok) expect(ackKindOf(decoded.request)).toBe(expected)
  })
})

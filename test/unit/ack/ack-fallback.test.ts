import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ackKindOf, validateAckAnswer } from '../../../src/ack/ack-answer.js'
import { DEFAULT_ACK_FALLBACK_MESSAGE, fallbackAnswer } from '../../../src/ack/ack-fallback.js'
import { decodeSlackRequest } from '../../../src/slack/decode.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'
import { commandFields, eventEnvelope, form } from '../../helpers/signing.js'

// Requests go through the real decoder, as the gateway would hand them over.
function decoded(source: 'commands' | 'interactions' | 'events', body: string): SlackRequest {
  const r = decodeSlackRequest(source, Buffer.from(body))
  if (!r.ok) throw new Error(`test request does not decode: ${r.detail}`)
  return r.request
}
const interaction = (payload: Record<string, unknown>) => decoded('interactions', form({ payload: JSON.stringify({ user: { id: 'U1' }, team: { id: 'T1' }, ...payload }) }))
const submission = (view: Record<string, unknown>) => interaction({ type: 'view_submission', view: { callback_id: 'deploy', ...view } })

const pt = (text: string) => ({ type: 'plain_text', text })
const input = (blockId?: unknown) => ({ type: 'input', ...(blockId !== undefined && { block_id: blockId }), label: pt('Amount'), element: { type: 'plain_text_input', action_id: 'a' } })
const section = { type: 'section', block_id: 'intro', text: pt('Hello') }
const pushed = (text: string) => ({
  response_action: 'push',
  view: {
    type: 'modal',
    title: pt('Error'),
    close: pt('Back'),
    blocks: [{ type: 'section', text: pt(text) }],
  },
})

const message = 'The deploy service did not answer.'

describe('fallbackAnswer: a modal submission keeps its form', () => {
  it.each([
    ['the first input block gets the error', [section, input('amount'), input('reason')], 'amount'],
    ['an input block without a block_id is passed over', [input(), input('reason')], 'reason'],
    ['an input block with an id Slack would refuse is passed over', [input(''), input('x'.repeat(256)), input(7), input('reason')], 'reason'],
  ])('%s', (_name, blocks, blockId) => {
    const answer = fallbackAnswer(submission({ blocks }), message)
    expect(answer).toEqual({ response_action: 'errors', errors: { [blockId]: message } })
    expect(validateAckAnswer('view_submission', answer).ok).toBe(true)
  })

  it.each([
    ['no input block', { blocks: [section, { type: 'divider' }] }],
    ['no blocks', { blocks: [] }],
    ['blocks missing', {}],
    ['blocks not a list', { blocks: { type: 'input', block_id: 'amount' } }],
    ['blocks of junk', { blocks: [null, 'input', 7, ['input'], { type: 'INPUT', block_id: 'a' }] }],
    ['only input blocks without ids', { blocks: [input(), input(null)] }],
  ])('%s: a pushed notice over the form', (_name, view) => {
    const answer = fallbackAnswer(submission(view), message)
    expect(answer).toEqual(pushed(message))
    expect(validateAckAnswer('view_submission', answer).ok).toBe(true)
  })

  it('a long message is cut to what Slack takes, in both answers', () => {
    const long = 'x'.repeat(5000)
    const errors = fallbackAnswer(submission({ blocks: [input('amount')] }), long) as { errors: { amount: string } }
    expect(errors.errors.amount).toHaveLength(2000)
    expect(errors.errors.amount.endsWith('…')).toBe(true)
    const push = fallbackAnswer(submission({ blocks: [] }), long) as ReturnType<typeof pushed>
    expect(push.view.blocks[0]?.text.text).toHaveLength(3000)
    expect(validateAckAnswer('view_submission', errors).ok).toBe(true)
    expect(validateAckAnswer('view_submission', push).ok).toBe(true)
  })

  it('a cut never splits a surrogate pair', () => {
    const answer = fallbackAnswer(submission({ blocks: [input('amount')] }), `${'x'.repeat(1998)}😀😀`) as { errors: { amount: string } }
    expect(answer.errors.amount).toBe(`${'x'.repeat(1998)}…`)
  })
})

describe('fallbackAnswer: other kinds', () => {
  it('an external select shows no options', () => {
    const answer = fallbackAnswer(interaction({ type: 'block_suggestion', action_id: 'pick', value: 'al' }), message)
    expect(answer).toEqual({ options: [] })
    expect(validateAckAnswer('block_suggestion', answer).ok).toBe(true)
  })

  it('a slash command gets an ephemeral note', () => {
    const answer = fallbackAnswer(decoded('commands', form(commandFields)), message)
    expect(answer).toEqual({ response_type: 'ephemeral', text: message })
    expect(validateAckAnswer('command', answer).ok).toBe(true)
  })

  it.each([
    ['view_closed', () => interaction({ type: 'view_closed', view: { callback_id: 'deploy', blocks: [input('amount')] } })],
    ['block_actions', () => interaction({ type: 'block_actions', actions: [{ action_id: 'go' }] })],
    ['shortcut', () => interaction({ type: 'shortcut', callback_id: 'open' })],
    ['an event', () => decoded('events', JSON.stringify(eventEnvelope()))],
  ])('%s: an empty 200', (_name, request) => {
    expect(fallbackAnswer(request(), message)).toBeUndefined()
  })

  it.each(['', '   '])('an empty message (%j) falls back to the default', (empty) => {
    expect(fallbackAnswer(decoded('commands', form(commandFields)), empty)).toEqual({ response_type: 'ephemeral', text: DEFAULT_ACK_FALLBACK_MESSAGE })
    expect(fallbackAnswer(submission({ blocks: [input('amount')] }), empty)).toEqual({ response_action: 'errors', errors: { amount: DEFAULT_ACK_FALLBACK_MESSAGE } })
  })
})

describe('fallbackAnswer: property', () => {
  const blockId = fc.oneof(fc.string({ maxLength: 300 }), fc.constant(''), fc.integer(), fc.constant(null))
  // Any JSON but keys the decoder refuses before any handler sees the payload (`__proto__`, and
  // `constructor`: malformed_body), which Slack never sends.
  const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => !/"(__proto__|constructor)"/.test(JSON.stringify(v)))
  const viewBlock = fc.oneof(fc.record({ type: fc.constantFrom('input', 'section', 'divider', 'actions', 'header'), block_id: blockId }, { requiredKeys: ['type'] }), json)
  const blocks = fc.oneof(fc.array(viewBlock, { maxLength: 12 }), json)
  // Long texts are built from a length, so that shrinking one is a few steps, not thousands.
  const longText = fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom('x', '😀', 'é'), fc.integer({ min: 900, max: 4000 })).map(([head, unit, n]) => head + unit.repeat(n))
  const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 40 }), longText)

  // Predicates return booleans: an expect() failing inside shrinking would diff long strings thousands of times.
  it('whatever the submitted view, the fallback is an answer Slack takes', () => {
    fc.assert(
      fc.property(blocks, text, (viewBlocks, msg) => {
        const answer = fallbackAnswer(submission({ blocks: viewBlocks }), msg)
        const verdict = validateAckAnswer('view_submission', answer)
        const firstInput = Array.isArray(viewBlocks) ? viewBlocks.find(isUsableInput) : undefined
        return verdict.ok && isDeepStrictEqual(verdict.body, answer) && answer?.response_action === (firstInput === undefined ? 'push' : 'errors')
      }),
      { numRuns: 300 },
    )
  })

  it('for every ack kind, the fallback validates for that kind', () => {
    const requests = [submission({ blocks: [input('amount')] }), interaction({ type: 'block_suggestion', action_id: 'pick' }), decoded('commands', form(commandFields))]
    fc.assert(
      fc.property(fc.constantFrom(...requests), text, (request, msg) => {
        const kind = ackKindOf(request)
        return kind !== undefined && validateAckAnswer(kind, fallbackAnswer(request, msg)).ok
      }),
      { numRuns: 200 },
    )
  })
})

function isUsableInput(b: unknown): boolean {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return false
  const block = b as { type?: unknown; block_id?: unknown }
  return block.type === 'input' && typeof block.block_id === 'string' && block.block_id.length > 0 && block.block_id.length <= 255
}

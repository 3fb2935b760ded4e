import { describe, expect, it } from 'vitest'
import { checkPattern, Matcher, UnsafePatternError } from '../../../src/slack/matcher.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'

const r = (x: object) => ({ source: 'interactions', context: {}, payload: {}, ...x }) as SlackRequest
const message = (text: unknown, subtype?: string) => r({ source: 'events', kind: 'event', type: 'message', eventId: 'E1', payload: { event: { type: 'message', text, ...(subtype !== undefined && { subtype }) } } })
const actions = (actionIds: string[], blockIds: string[] = []) => r({ kind: 'block_actions', actionIds, blockIds })

describe('Matcher', () => {
  it('tries every exact id before any pattern, then patterns in the order they were added', () => {
    const m = new Matcher<string>()
    m.addPattern('action', /^approve/, 'first pattern')
    m.addPattern('action', /approve_42/, 'second pattern')
    m.addExact('action', 'approve_42', 'exact')
    m.addExact('block', 'b1', 'exact block')
    expect(m.find(actions(['approve_42']))).toBe('exact')
    expect(m.find(actions(['approve_7']))).toBe('first pattern')
    // An exact block_id wins over an action pattern: every exact id is looked up first.
    expect(m.find(actions(['approve_7'], ['b1']))).toBe('exact block')
    expect(m.find(actions(['reject']))).toBeUndefined()
  })

  it('keeps the first value of an exact id', () => {
    const m = new Matcher<string>()
    expect(m.addExact('command', '/deploy', 'one')).toBe(true)
    expect(m.addExact('command', '/deploy', 'two')).toBe(false)
    expect(m.find(r({ kind: 'command', command: '/deploy', text: '' }))).toBe('one')
  })

  it('tries message conditions before an exact event: message, in order, by text and subtype', () => {
    const m = new Matcher<string>()
    m.addExact('event', 'message', 'every message')
    m.addMessage({ text: /^deploy (\w+)$/ }, 'deploy')
    m.addMessage({ text: 'hello' }, 'greeting')
    m.addMessage({ subtype: 'bot_message' }, 'bots')
    expect(m.find(message('deploy billing'))).toBe('deploy')
    expect(m.find(message('well hello there'))).toBe('greeting')
    expect(m.find(message('beep', 'bot_message'))).toBe('bots')
    expect(m.find(message('nothing special'))).toBe('every message')
    // A message with no text (an edit, a file) is matched by text conditions as ''.
    expect(m.find(message(undefined))).toBe('every message')
  })

  it('a message event is found by its subscription (message.im) before event: message, by its channel_type', () => {
    const m = new Matcher<string>()
    m.addExact('event', 'message', 'every message')
    m.addExact('event', 'message.im', 'direct messages')
    m.addMessage({ text: 'deploy' }, 'deploy')
    const inKind = (channel_type: string, text = 'hi') => r({ source: 'events', kind: 'event', type: 'message', eventId: 'E1', payload: { event: { type: 'message', text, channel_type } } })
    expect(m.find(inKind('im'))).toBe('direct messages')
    expect(m.find(inKind('channel'))).toBe('every message')
    expect(m.find(inKind('mpim'))).toBe('every message')
    expect(m.find(inKind('something_new'))).toBe('every message')
    // A message condition still comes first, whatever the conversation.
    expect(m.find(inKind('im', 'deploy now'))).toBe('deploy')
    const only = new Matcher<string>()
    only.addExact('event', 'message.channels', 'channels')
    expect(only.find(inKind('channel'))).toBe('channels')
    expect(only.find(inKind('group'))).toBeUndefined()
    expect(only.find(message('no channel_type'))).toBeUndefined()
  })

  it('a pattern with the g flag matches the same id every time (no lastIndex carried over)', () => {
    const m = new Matcher<string>()
    m.addPattern('view', /^edit_/g, 'edit')
    const view = r({ kind: 'view_submission', callbackId: 'edit_1' })
    expect([m.find(view), m.find(view), m.find(view)]).toEqual(['edit', 'edit', 'edit'])
  })

  it('says what a (kind, id) would find, for the start-up check of routes against modules', () => {
    const m = new Matcher<string>()
    m.addPattern('options', /^assignee/, 'p')
    m.addMessage({ subtype: 'bot_message' }, 'bots')
    expect(m.valueFor('options', 'assignee_2')).toBe('p')
    expect(m.valueFor('options', 'other')).toBeUndefined()
    expect(m.hasKind('message')).toBe(true)
    expect(m.hasKind('action')).toBe(false)
  })

  it('refuses a pattern that may take exponential time: a message text is anyone’s input', () => {
    expect(() => checkPattern(/^(a+)+$/)).toThrow(UnsafePatternError)
    expect(() => new Matcher<string>().addMessage({ text: /(a*)*b/ }, 'v')).toThrow(/exponential/)
    expect(checkPattern(/^deploy (\w+)$/i).flags).toBe('i')
  })
})

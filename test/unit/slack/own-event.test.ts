import { describe, expect, it } from 'vitest'
import { isOwnEvent } from '../../../src/slack/own-event.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'

const BOT = { team_id: 'T0001', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }
const event = (type: string, fields: Record<string, unknown>, authorizations: unknown = [BOT]) =>
  ({ kind: 'event', source: 'events', type, eventId: 'Ev1', apiAppId: 'A0001', context: {}, payload: { api_app_id: 'A0001', authorizations, event: { type, ...fields } } }) as SlackRequest

describe('isOwnEvent', () => {
  it('is a message the app posted (its app_id), or an event whose user is the bot user', () => {
    expect(isOwnEvent(event('message', { app_id: 'A0001', bot_id: 'B0001', text: 'deployed' }))).toBe(true)
    expect(isOwnEvent(event('message', { user: 'U0BOT', text: 'deployed' }))).toBe(true)
    expect(isOwnEvent(event('reaction_added', { user: 'U0BOT', reaction: 'eyes' }))).toBe(true)
  })

  it('is not a person’s event, another app’s message, or a join or leave by the bot', () => {
    expect(isOwnEvent(event('message', { user: 'U0001', text: 'deploy' }))).toBe(false)
    expect(isOwnEvent(event('message', { app_id: 'A0OTHER', bot_id: 'B0OTHER', text: 'hi' }))).toBe(false)
    expect(isOwnEvent(event('member_joined_channel', { user: 'U0BOT', channel: 'C1' }))).toBe(false)
    expect(isOwnEvent(event('member_left_channel', { user: 'U0BOT', channel: 'C1' }))).toBe(false)
    // A user id the envelope lists, but not as the bot: a person who installed the app.
    expect(isOwnEvent(event('message', { user: 'U0BOT' }, [{ ...BOT, is_bot: false }]))).toBe(false)
    expect(isOwnEvent(event('message', { user: 'U0BOT' }, null))).toBe(false)
    expect(isOwnEvent({ kind: 'command', source: 'commands', command: '/deploy', text: '', context: {}, payload: { user_id: 'U0BOT' } } as unknown as SlackRequest)).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { createRouter, type Route } from '../../../src/dispatch/router.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'

const target = { handler: '/h.ts', retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } }
const routes: Route[] = [
  { name: 'e', match: { event: 'app_mention' }, ...target },
  { name: 'c', match: { command: '/deploy' }, ...target },
  { name: 'a', match: { action: 'approve' }, ...target },
  { name: 'v', match: { view: 'modal' }, ...target },
  { name: 's', match: { shortcut: 'open' }, ...target },
]
const router = createRouter(routes)
const r = (x: object) => ({ source: 'events', context: {}, payload: {}, ...x }) as SlackRequest

describe('router', () => {
  it.each([
    [{ kind: 'event', type: 'app_mention', eventId: 'E' }, 'e'],
    [{ kind: 'command', command: '/deploy', text: '' }, 'c'],
    [{ kind: 'block_actions', actionIds: ['other', 'approve'], blockIds: [] }, 'a'],
    [{ kind: 'view_submission', callbackId: 'modal' }, 'v'],
    [{ kind: 'view_closed', callbackId: 'modal' }, 'v'],
    [{ kind: 'shortcut', callbackId: 'open' }, 's'],
    [{ kind: 'message_action', callbackId: 'open' }, 's'],
  ])('routes %j to %s', (request, name) => {
    expect(router(r(request))?.name).toBe(name)
  })

  it.each([
    [{ kind: 'event', type: 'message', eventId: 'E' }],
    [{ kind: 'command', command: '/other', text: '' }],
    [{ kind: 'block_actions', actionIds: ['nope'], blockIds: [] }],
    [{ kind: 'unknown', type: 'x' }],
    [{ kind: 'block_suggestion', actionId: 'approve' }],
  ])('routes nothing for %j', (request) => {
    expect(router(r(request))).toBeUndefined()
  })

  it('looks up in constant time: 10,000 routes answer like 5', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `r${i}`, match: { command: `/c${i}` }, ...target }))
    expect(createRouter(many)(r({ kind: 'command', command: '/c9999', text: '' }))?.name).toBe('r9999')
  })
})

describe('router patterns', () => {
  const patterned: Route[] = [
    { name: 'exact', match: { action: 'approve_1' }, ...target },
    { name: 'approvals', match: { action: { pattern: '^approve_' } }, ...target },
    { name: 'tickets', match: { block: { pattern: '^ticket-\\d+$' } }, ...target },
    { name: 'edits', match: { view: { pattern: '^edit_' } }, ...target },
    { name: 'who', match: { options: 'assignee' }, ...target },
    { name: 'deploys', match: { message: { pattern: '^deploy (\\w+)$' } }, ...target },
    { name: 'hellos', match: { message: 'hello' }, ...target },
    { name: 'messages', match: { event: 'message' }, ...target },
  ]
  const route = createRouter(patterned)
  const text = (t: string) => r({ kind: 'event', type: 'message', eventId: 'E', payload: { event: { type: 'message', text: t } } })

  it.each([
    [{ kind: 'block_actions', actionIds: ['approve_1'], blockIds: [] }, 'exact'],
    [{ kind: 'block_actions', actionIds: ['approve_2'], blockIds: [] }, 'approvals'],
    [{ kind: 'block_actions', actionIds: ['close'], blockIds: ['ticket-42'] }, 'tickets'],
    [{ kind: 'view_submission', callbackId: 'edit_profile' }, 'edits'],
    [{ kind: 'block_suggestion', actionId: 'assignee' }, 'who'],
  ])('routes %j to %s', (request, name) => {
    expect(route(r(request))?.name).toBe(name)
  })

  it('a message goes to the first message route it matches, else to event: message', () => {
    expect(route(text('deploy billing'))?.name).toBe('deploys')
    expect(route(text('oh hello'))?.name).toBe('hellos')
    expect(route(text('deploy billing now'))?.name).toBe('messages')
  })

  it('a message subscription route (message.im) takes the messages of its kind of conversation, before event: message', () => {
    const routed = createRouter([...patterned, { name: 'dms', match: { event: 'message.im' }, ...target }])
    const inKind = (channel_type: string) => r({ kind: 'event', type: 'message', eventId: 'E', payload: { event: { type: 'message', text: 'hi', channel_type } } })
    expect(routed(inKind('im'))?.name).toBe('dms')
    expect(routed(inKind('channel'))?.name).toBe('messages')
  })

  it('nothing for an id no exact route names and no pattern matches', () => {
    expect(route(r({ kind: 'block_actions', actionIds: ['close'], blockIds: ['ticket-x'] }))).toBeUndefined()
    expect(route(r({ kind: 'view_submission', callbackId: 'create' }))).toBeUndefined()
  })
})

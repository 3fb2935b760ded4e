import { describe, expect, it } from 'vitest'
import { createAdmission, StoreUnavailableError } from '../../../src/dispatch/admit.js'
import { createSqliteJobQueue } from '../../../src/dispatch/job-queue.sqlite.js'
import { createRouter, type Route } from '../../../src/dispatch/router.js'
import { createMemoryNonceStore } from '../../../src/replay/nonce-store.memory.js'
import { nonceKeys } from '../../../src/replay/nonce-keys.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'
import { openSqliteDatabase } from '../../../src/storage/sqlite-database.js'

const route: Route = {
  name: 'mentions',
  match: { event: 'app_mention' },
  forward: { url: 'http://127.0.0.1:1/x', timeoutMs: 1000 },
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
}
const event = (eventId: string): SlackRequest => ({
  kind: 'event',
  source: 'events',
  type: 'app_mention',
  eventId,
  context: {},
  payload: {},
})
const sig = (n: number) => `v0=${n.toString(16).padStart(64, '0')}`

function setup() {
  const nonces = createMemoryNonceStore()
  const db = openSqliteDatabase(':memory:')
  const queue = createSqliteJobQueue(db)
  const admit = createAdmission({ nonces, queue, router: createRouter([route]), ttlSeconds: 600 })
  const input = (request: SlackRequest, signature: string) => ({ request, keys: nonceKeys(request, signature), requestId: 'r', receivedAt: 0 })
  return { nonces, db, queue, admit, input }
}

describe('admission', () => {
  it('accepts, then calls a replay and a retry duplicates', async () => {
    const { admit, input, queue } = setup()
    expect(await admit(input(event('Ev1'), sig(1)))).toMatchObject({ verdict: 'accepted', route: 'mentions' })
    expect(await admit(input(event('Ev1'), sig(1)))).toEqual({ verdict: 'duplicate', route: 'mentions' })
    expect(await admit(input(event('Ev1'), sig(2)))).toEqual({ verdict: 'duplicate', route: 'mentions' })
    expect(await queue.list()).toHaveLength(1)
  })

  it('calls a request no route matches unrouted, and its replay a duplicate', async () => {
    const { admit, input } = setup()
    const other: SlackRequest = { ...event('Ev2'), type: 'reaction_added' } as SlackRequest
    expect(await admit(input(other, sig(3)))).toEqual({ verdict: 'unrouted' })
    expect(await admit(input(other, sig(3)))).toEqual({ verdict: 'duplicate' })
  })

  it('queue_unavailable: the queue cannot store the job; its claims are released so Slack\'s retry runs', async () => {
    const { admit, input, db } = setup()
    db.close()
    await expect(admit(input(event('Ev3'), sig(4)))).rejects.toMatchObject({ code: 'queue_unavailable' })
    await expect(admit(input(event('Ev3'), sig(4)))).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  it('replay_store_unavailable: the nonce store cannot answer', async () => {
    const db = openSqliteDatabase(':memory:')
    const nonces = createMemoryNonceStore({ maxEntries: 1 })
    const admit = createAdmission({ nonces, queue: createSqliteJobQueue(db), router: createRouter([route]), ttlSeconds: 600 })
    await nonces.claim('filler', 600)
    const request = event('Ev4')
    await expect(admit({ request, keys: nonceKeys(request, sig(5)), requestId: 'r', receivedAt: 0 })).rejects.toMatchObject({
      code: 'replay_store_unavailable',
    })
  })
})

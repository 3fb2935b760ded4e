import { describe, expect, it } from 'vitest'
import { createAdmission, StoreUnavailableError } from '../../../src/dispatch/admit.js'
import type { JobQueue } from '../../../src/dispatch/job-queue.js'
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
    const nonces = { ...createMemoryNonceStore(), claim: () => Promise.reject(new Error('connection reset')) }
    const admit = createAdmission({ nonces, queue: createSqliteJobQueue(db), router: createRouter([route]), ttlSeconds: 600 })
    const request = event('Ev4')
    await expect(admit({ request, keys: nonceKeys(request, sig(5)), requestId: 'r', receivedAt: 0 })).rejects.toMatchObject({
      code: 'replay_store_unavailable',
    })
  })

  it('replay_store_full: the nonce store is full of live keys', async () => {
    const db = openSqliteDatabase(':memory:')
    const nonces = createMemoryNonceStore({ maxEntries: 1 })
    const admit = createAdmission({ nonces, queue: createSqliteJobQueue(db), router: createRouter([route]), ttlSeconds: 600 })
    await nonces.claim('filler', 600)
    const request = event('Ev5')
    await expect(admit({ request, keys: nonceKeys(request, sig(6)), requestId: 'r', receivedAt: 0 })).rejects.toMatchObject({
      code: 'replay_store_full',
    })
  })
})

/** A queue whose next `failures` enqueues throw, then behave. */
function flakyQueue(queue: JobQueue, failures: number): JobQueue {
  let left = failures
  return {
    ...queue,
    enqueue(job, options) {
      if (left-- > 0) return Promise.reject(new Error('down'))
      return queue.enqueue(job, options)
    },
  }
}

describe('admission, in detail', () => {
  it('releases the keys it claimed when the queue fails, so that Slack\'s retry is accepted', async () => {
    const nonces = createMemoryNonceStore()
    const queue = createSqliteJobQueue(openSqliteDatabase(':memory:'))
    const admit = createAdmission({ nonces, queue: flakyQueue(queue, 1), router: createRouter([route]), ttlSeconds: 600 })
    const request = event('EvREL')
    const input = { request, keys: nonceKeys(request, sig(1)), requestId: 'r1', receivedAt: 7 }
    await expect(admit(input)).rejects.toMatchObject({ code: 'queue_unavailable' })
    expect(await admit(input)).toMatchObject({ verdict: 'accepted', route: 'mentions' })
  })

  it('enqueues the route\'s retry policy, the request and its ids, keyed on the primary key', async () => {
    const nonces = createMemoryNonceStore()
    const seen: Parameters<JobQueue['enqueue']>[0][] = []
    const queue = createSqliteJobQueue(openSqliteDatabase(':memory:'))
    const recording: JobQueue = { ...queue, enqueue: (job, options) => (seen.push(job), queue.enqueue(job, options)) }
    const admit = createAdmission({ nonces, queue: recording, router: createRouter([route]), ttlSeconds: 600, newId: () => 'job-1' })
    const request = event('EvJOB')
    expect(await admit({ request, keys: nonceKeys(request, sig(2)), requestId: 'req-9', receivedAt: 1234, keyTtlSeconds: 900.2 })).toEqual({
      verdict: 'accepted',
      route: 'mentions',
      jobId: 'job-1',
    })
    expect(seen).toEqual([
      {
        id: 'job-1',
        route: 'mentions',
        idempotencyKey: 'event:EvJOB',
        idempotencyTtlSeconds: 901,
        maxAttempts: 3,
        backoff: { baseDelayMs: 10, maxDelayMs: 20 },
        payload: { requestId: 'req-9', receivedAt: 1234, request },
      },
    ])
  })

  it('remembers the keys for the configured TTL at least, however short a token\'s', async () => {
    const claims: Array<[string, number]> = []
    const nonces = createMemoryNonceStore()
    const recording = { ...nonces, claim: (key: string, ttl: number) => (claims.push([key, ttl]), nonces.claim(key, ttl)) }
    const admit = createAdmission({ nonces: recording, queue: createSqliteJobQueue(openSqliteDatabase(':memory:')), router: createRouter([route]), ttlSeconds: 600 })
    const request = event('EvTTL')
    await admit({ request, keys: nonceKeys(request, sig(3)), requestId: 'r', receivedAt: 0, keyTtlSeconds: 30 })
    expect(claims).toEqual([[`sig:${sig(3).slice(3)}`, 600]])
  })

  it('calls onAccepted with the accepted admission, once the job is queued', async () => {
    const accepted: unknown[] = []
    const admit = createAdmission({ nonces: createMemoryNonceStore(), queue: createSqliteJobQueue(openSqliteDatabase(':memory:')), router: createRouter([route]), ttlSeconds: 600, newId: () => 'job-2' })
    const request = event('EvCB')
    const input = { request, keys: nonceKeys(request, sig(4)), requestId: 'r', receivedAt: 0, onAccepted: (a: unknown) => void accepted.push(a) }
    await admit(input)
    expect(accepted).toEqual([{ verdict: 'accepted', route: 'mentions', jobId: 'job-2' }])
    // A duplicate is not accepted: no second call.
    await admit(input)
    expect(accepted).toHaveLength(1)
  })
})

import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { AnswerStoreUnavailableError, type AnswerStore } from '../../src/ack/answer-store.js'
import { createMemoryAnswerStore } from '../../src/ack/answer-store.memory.js'
import { createRedisAnswerStore } from '../../src/ack/answer-store.redis.js'
import { createSqliteAnswerStore, type SqliteAnswerStore } from '../../src/ack/answer-store.sqlite.js'
import { PURGE_CHUNK } from '../../src/storage/durable-key-set.js'
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database.js'
import { redisAvailable, redisClient, uniquePrefix } from '../helpers/redis.js'
import { describeAnswerStore } from './answer-store.contract.js'

function fakeClock() {
  let t = 1_800_000_000_000
  return { now: () => t, advance: async (ms: number) => void (t += ms) }
}

const tempDatabaseFile = () => join(mkdtempSync(join(tmpdir(), 'slackgate-answers-')), 'sg.db')
const answer = (body: string) => ({ status: 200, body })

/** Deletes every key under `prefix`: a run leaves nothing behind in the shared Redis. */
async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) await client.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

describeAnswerStore('memory', async () => {
  const clock = fakeClock()
  return { store: createMemoryAnswerStore({ now: clock.now }), advance: clock.advance }
})

describeAnswerStore('sqlite', async () => {
  const clock = fakeClock()
  const db = openSqliteDatabase(tempDatabaseFile())
  return { store: createSqliteAnswerStore(db, { now: clock.now, purgeIntervalMs: 0 }), advance: clock.advance, cleanup: async () => db.close() }
})

describeAnswerStore(
  'redis',
  async () => {
    const client = redisClient()
    const prefix = uniquePrefix()
    return {
      store: createRedisAnswerStore(client, { prefix }),
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup: async () => {
        await deletePrefix(client, prefix)
        client.disconnect()
      },
    }
  },
  { skip: !redisAvailable },
)

describe('memory AnswerStore', () => {
  it('when full, evicts expired answers first, then the oldest', async () => {
    const clock = fakeClock()
    const store = createMemoryAnswerStore({ maxEntries: 3, now: clock.now })
    expect(await store.put('a', answer('a'), 600)).toBe(true)
    expect(await store.put('short', answer('short'), 1)).toBe(true)
    expect(await store.put('c', answer('c'), 600)).toBe(true)
    await clock.advance(2000)
    // 'short' expired behind a live answer: it goes, not 'a', the oldest.
    expect(await store.put('d', answer('d'), 600)).toBe(true)
    expect(await store.get('a')).toEqual(answer('a'))
    // Full of live answers: the oldest goes.
    expect(await store.put('e', answer('e'), 600)).toBe(true)
    expect(await store.get('a')).toBeUndefined()
    for (const k of ['c', 'd', 'e']) expect(await store.get(k)).toEqual(answer(k))
  })

  it('a key put again after its answer expired counts as new for eviction', async () => {
    const clock = fakeClock()
    const store = createMemoryAnswerStore({ maxEntries: 2, now: clock.now })
    expect(await store.put('a', answer('a1'), 1)).toBe(true)
    expect(await store.put('b', answer('b'), 600)).toBe(true)
    await clock.advance(2000)
    expect(await store.put('a', answer('a2'), 600)).toBe(true)
    expect(await store.put('c', answer('c'), 600)).toBe(true)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toEqual(answer('a2'))
    expect(await store.get('c')).toEqual(answer('c'))
  })
})

describe('sqlite AnswerStore', () => {
  const rowCount = (db: SqliteDatabase) => db.handle.prepare('SELECT count(*) AS n FROM ack_answers').get()
  const opened: Array<{ store: SqliteAnswerStore; db: SqliteDatabase }> = []
  afterEach(async () => {
    for (const { store, db } of opened.splice(0)) {
      await store.close()
      db.close()
    }
  })
  /** A store on an in-memory database with a fake clock, closed after the test. */
  function open(purgeIntervalMs = 0) {
    const clock = fakeClock()
    const db = openSqliteDatabase(':memory:')
    const store = createSqliteAnswerStore(db, { now: clock.now, purgeIntervalMs })
    opened.push({ store, db })
    return { clock, db, store }
  }

  it('an answer survives closing and reopening the database file', async () => {
    const file = tempDatabaseFile()
    const first = openSqliteDatabase(file)
    const before = createSqliteAnswerStore(first, { purgeIntervalMs: 0 })
    expect(await before.put('trigger:kept', answer('{"response_action":"clear"}'), 600)).toBe(true)
    await before.close()
    first.close()
    const db = openSqliteDatabase(file)
    const after = createSqliteAnswerStore(db, { purgeIntervalMs: 0 })
    opened.push({ store: after, db })
    expect(await after.get('trigger:kept')).toEqual(answer('{"response_action":"clear"}'))
    expect(await after.put('trigger:kept', answer('other'), 600)).toBe(false)
  })

  it('purge deletes expired answers and keeps live ones', async () => {
    const { clock, db, store } = open()
    for (let i = 0; i < 5; i++) await store.put(`old:${i}`, answer('old'), 1)
    await store.put('live', answer('live'), 600)
    await clock.advance(2000)
    expect(rowCount(db)).toEqual({ n: 6 })
    await store.purge()
    expect(rowCount(db)).toEqual({ n: 1 })
    expect(await store.get('live')).toEqual(answer('live'))
  })

  it('purge goes on chunk after chunk until no expired answer is left', async () => {
    const { clock, db, store } = open()
    const insert = db.handle.prepare('INSERT INTO ack_answers (key, status, body, expires_at) VALUES (?, 200, ?, ?)')
    db.handle.transaction(() => {
      for (let i = 0; i < PURGE_CHUNK * 2 + 5; i++) insert.run(`old:${i}`, '', clock.now() + 1000)
    })()
    await store.put('live', answer('live'), 600)
    await clock.advance(2000)
    await store.purge()
    expect(rowCount(db)).toEqual({ n: 1 })
  })

  it('purges on its timer, and close stops the timer', async () => {
    const { clock, db, store } = open(20)
    const expireAndWait = async () => {
      await store.put('old', answer('old'), 1)
      await clock.advance(2000)
      await new Promise((r) => setTimeout(r, 80))
    }
    await expireAndWait()
    expect(rowCount(db)).toEqual({ n: 0 })
    await store.close()
    await expireAndWait()
    expect(rowCount(db)).toEqual({ n: 1 })
  })

  it('rejects with answer_store_unavailable, never answering, once its database is closed', async () => {
    const { db, store } = open()
    db.close()
    await expectUnavailable(store, () => store.purge())
  })
})

/**
 * Every call of `store` (and `more`) rejects with AnswerStoreUnavailableError, its cause
 * kept, and the key nowhere in the message.
 */
async function expectUnavailable(store: AnswerStore, ...more: Array<() => Promise<unknown>>): Promise<void> {
  const key = 'trigger:secret-key'
  for (const call of [() => store.put(key, answer('x'), 60), () => store.get(key), () => store.ping(), ...more]) {
    const err = await call().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AnswerStoreUnavailableError)
    expect(err).toMatchObject({ code: 'answer_store_unavailable', httpStatus: 503 })
    expect((err as Error).cause).toBeInstanceOf(Error)
    expect((err as Error).message).not.toContain('secret-key')
  }
}

/** A port on which nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('redis AnswerStore', () => {
  // As gateway/open-stores.ts builds request-path clients, and as the test helper does.
  const settings: Record<string, RedisOptions> = {
    'request path': { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000, enableAutoPipelining: true },
    'offline queue': { maxRetriesPerRequest: 1, enableOfflineQueue: true },
  }
  it.each(Object.entries(settings))('a Redis that does not answer (%s client) is answer_store_unavailable within 3 s', async (_, options) => {
    const client = new Redis(`redis://127.0.0.1:${await closedPort()}`, options)
    client.on('error', () => undefined)
    try {
      const started = Date.now()
      await expectUnavailable(createRedisAnswerStore(client, { prefix: uniquePrefix() }))
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      client.disconnect()
    }
  })

  describe.skipIf(!redisAvailable)('against a live Redis', () => {
    /** Runs `test` with a client and a fresh prefix, then deletes what it left under the prefix. */
    async function withRedis(test: (client: Redis, prefix: string) => Promise<void>): Promise<void> {
      const client = redisClient()
      const prefix = uniquePrefix()
      try {
        await test(client, prefix)
      } finally {
        await deletePrefix(client, prefix)
        client.disconnect()
      }
    }

    it('stores each answer under the prefix, with the TTL in milliseconds', () =>
      withRedis(async (client, prefix) => {
        await createRedisAnswerStore(client, { prefix }).put('trigger:1.1', answer('{"response_action":"clear"}'), 1.5)
        expect(JSON.parse((await client.get(`${prefix}trigger:1.1`)) ?? 'null')).toEqual(answer('{"response_action":"clear"}'))
        const ttl = await client.pttl(`${prefix}trigger:1.1`)
        expect(ttl).toBeGreaterThan(1000)
        expect(ttl).toBeLessThanOrEqual(1500)
      }))

    it('treats a value it cannot read as no answer', () =>
      withRedis(async (client, prefix) => {
        const store = createRedisAnswerStore(client, { prefix })
        await client.set(`${prefix}not-json`, '{"status":200,', 'EX', 60)
        await client.set(`${prefix}wrong-shape`, '{"status":"200","body":""}', 'EX', 60)
        await client.set(`${prefix}no-body`, '{"status":200}', 'EX', 60)
        for (const key of ['not-json', 'wrong-shape', 'no-body']) expect(await store.get(key)).toBeUndefined()
      }))

    it('defaults its prefix to slackgate:ack:', () =>
      // The default prefix is outside the test's own: the key carries the test's prefix instead.
      withRedis(async (client, prefix) => {
        expect(await createRedisAnswerStore(client).put(`${prefix}probe`, answer('x'), 60)).toBe(true)
        expect(await client.exists(`slackgate:ack:${prefix}probe`)).toBe(1)
        await client.del(`slackgate:ack:${prefix}probe`)
      }))
  })
})

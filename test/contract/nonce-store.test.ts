import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NonceStoreFullError } from '../../src/replay/nonce-store.js'
import { createMemoryNonceStore } from '../../src/replay/nonce-store.memory.js'
import { createRedisNonceStore } from '../../src/replay/nonce-store.redis.js'
import { createSqliteNonceStore } from '../../src/replay/nonce-store.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { redisAvailable, redisClient, uniquePrefix } from '../helpers/redis.js'
import { describeNonceStore } from './nonce-store.contract.js'

function fakeClock() {
  let t = 1_800_000_000_000
  return { now: () => t, advance: async (ms: number) => void (t += ms) }
}

describeNonceStore('memory', async () => {
  const clock = fakeClock()
  return { store: createMemoryNonceStore({ now: clock.now }), advance: clock.advance }
})

describeNonceStore('sqlite', async () => {
  const clock = fakeClock()
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'slackgate-nonce-')), 'sg.db'))
  return { store: createSqliteNonceStore(db, { now: clock.now, purgeIntervalMs: 0 }), advance: clock.advance, cleanup: async () => db.close() }
})

describeNonceStore(
  'redis',
  async () => {
    const client = redisClient()
    return {
      store: createRedisNonceStore(client, { prefix: uniquePrefix() }),
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup: async () => void client.disconnect(),
    }
  },
  { skip: !redisAvailable },
)

describe('memory NonceStore', () => {
  it('is bounded: when full of live keys it refuses rather than forgetting one', async () => {
    const clock = fakeClock()
    const store = createMemoryNonceStore({ maxEntries: 3, now: clock.now })
    for (const k of ['a', 'b', 'c']) expect(await store.claim(k, 60)).toBe('first')
    await expect(store.claim('d', 60)).rejects.toBeInstanceOf(NonceStoreFullError)
    expect(await store.claim('a', 60)).toBe('duplicate')
    await clock.advance(61_000)
    expect(await store.claim('d', 60)).toBe('first')
  })
})

describe('sqlite NonceStore', () => {
  it('remembers claims across a restart (close and reopen the file)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slackgate-nonce-')), 'sg.db')
    const first = openSqliteDatabase(file)
    expect(await createSqliteNonceStore(first, { purgeIntervalMs: 0 }).claim('sig:replayed', 600)).toBe('first')
    first.close()
    const second = openSqliteDatabase(file)
    expect(await createSqliteNonceStore(second, { purgeIntervalMs: 0 }).claim('sig:replayed', 600)).toBe('duplicate')
    second.close()
  })

  it('forgets a released key across a restart too', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slackgate-nonce-')), 'sg.db')
    const first = openSqliteDatabase(file)
    const store = createSqliteNonceStore(first, { purgeIntervalMs: 0 })
    await store.claim('sig:kept', 600)
    await store.claim('sig:released', 600)
    await store.release('sig:released')
    first.close()
    const second = openSqliteDatabase(file)
    const again = createSqliteNonceStore(second, { purgeIntervalMs: 0 })
    expect(await again.claim('sig:released', 600)).toBe('first')
    expect(await again.claim('sig:kept', 600)).toBe('duplicate')
    second.close()
  })

  it('purges expired keys', async () => {
    const clock = fakeClock()
    const db = openSqliteDatabase(':memory:')
    const store = createSqliteNonceStore(db, { now: clock.now, purgeIntervalMs: 20 })
    await store.claim('old', 1)
    await clock.advance(2000)
    await new Promise((r) => setTimeout(r, 60))
    expect(db.handle.prepare('SELECT count(*) AS n FROM nonce_keys').get()).toEqual({ n: 0 })
    await store.close()
    db.close()
  })

  it('rejects, rather than answering, once its database is closed', async () => {
    const db = openSqliteDatabase(':memory:')
    const store = createSqliteNonceStore(db, { purgeIntervalMs: 0 })
    db.close()
    await expect(store.claim('k', 60)).rejects.toThrow()
  })
})

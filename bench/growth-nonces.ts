import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { NonceStore } from '../src/replay/nonce-store.js'
import { createRedisNonceStore } from '../src/replay/nonce-store.redis.js'
import { createSqliteNonceStore } from '../src/replay/nonce-store.sqlite.js'
import { openSqliteDatabase } from '../src/storage/sqlite-database.js'

export interface NonceGrowthRow {
  readonly store: 'sqlite' | 'redis'
  readonly storedKeys: number
  /** Wall time per claim, 100 claims in flight, in microseconds. */
  readonly microsPerClaim: number
  /** SQLite: time to read the stored live keys back at start. */
  readonly startupMs?: number
}

const CLAIMS = 20_000
const IN_FLIGHT = 100
const TTL = 600

async function claimRate(store: NonceStore, tag: string): Promise<number> {
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CLAIMS) {
        const key = `sig:${tag}:${String(next++).padStart(60, "0")}`
        if ((await store.claim(key, TTL)) !== 'first') throw new Error(`fresh key ${key} was a duplicate`)
      }
    }),
  )
  return Math.round(((performance.now() - start) * 1000) / CLAIMS * 10) / 10
}

/** Claims of new keys into an embedded store that already holds `stored` live keys. */
export async function sqliteNonceGrowth(stored: number): Promise<NonceGrowthRow> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bench-nonces-'))
  const file = join(dir, 'slackgate.db')
  try {
    const seed = openSqliteDatabase(file)
    await createSqliteNonceStore(seed, { purgeIntervalMs: 0 }).close()
    const insert = seed.handle.prepare('INSERT INTO nonce_keys (key, expires_at) VALUES (?, ?)')
    const expiresAt = Date.now() + TTL * 1000
    seed.handle.transaction(() => {
      for (let i = 0; i < stored; i++) insert.run(`sig:stored:${String(i).padStart(58, "0")}`, expiresAt)
    })()
    seed.close()

    const db = openSqliteDatabase(file)
    const opened = performance.now()
    const store = createSqliteNonceStore(db, { purgeIntervalMs: 0, maxEntries: stored + CLAIMS * 2 })
    const startupMs = Math.round(performance.now() - opened)
    await claimRate(store, 'warm')
    const microsPerClaim = await claimRate(store, 'measured')
    await store.close()
    db.close()
    return { store: 'sqlite', storedKeys: stored, microsPerClaim, startupMs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The same against Redis (`SET NX EX`), in a database of its own that is flushed first. */
export async function redisNonceGrowth(url: string, stored: number): Promise<NonceGrowthRow> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    await client.flushdb()
    for (let i = 0; i < stored; i += 10_000) {
      const pipeline = client.pipeline()
      for (let j = i; j < Math.min(stored, i + 10_000); j++) pipeline.set(`bench:stored:${j}`, '1', 'EX', TTL)
      await pipeline.exec()
    }
    const store = createRedisNonceStore(client, { prefix: 'bench:' })
    await claimRate(store, 'warm')
    const microsPerClaim = await claimRate(store, 'measured')
    await client.flushdb()
    return { store: 'redis', storedKeys: stored, microsPerClaim }
  } finally {
    client.disconnect()
  }
}

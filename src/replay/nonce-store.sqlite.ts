import { openDurableKeySet } from '../storage/durable-key-set.js'
import type { SqliteDatabase } from '../storage/sqlite-database.js'
import { NonceStoreFullError, type ClaimResult, type NonceStore } from './nonce-store.js'

export interface SqliteNonceStoreOptions {
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
  /** How often expired keys are purged (default 60 s); 0 disables the timer. */
  readonly purgeIntervalMs?: number
  /** Most live keys held (default 2,000,000); beyond it claims are refused (fail closed). */
  readonly maxEntries?: number
  /**
   * `true` (the default): `claim` resolves once the claim is on disk. `false`: it resolves
   * with the decision, made in memory, and the claim is written in the batch being gathered.
   * For a store that shares its database with the job queue: the admission claims, then
   * enqueues in the same turn, so the claim commits and is synced together with the job,
   * before the ack: one commit and one fsync instead of two of each. A claim not followed by
   * a job (an unrouted or duplicate request) guards nothing that ran; it commits with the
   * batch all the same.
   */
  readonly durableClaims?: boolean
}

/**
 * The embedded NonceStore: claims survive a restart, so a request captured before a crash
 * is still refused after it. The decision is made in memory, atomically on the event loop;
 * `claim` resolves once the claim is on disk, or at once (see `durableClaims` and
 * storage/durable-key-set.ts).
 */
export function createSqliteNonceStore(database: SqliteDatabase, options: SqliteNonceStoreOptions = {}): NonceStore {
  const now = options.now ?? Date.now
  const keys = openDurableKeySet(database, 'nonce_keys', { now, ...(options.maxEntries !== undefined && { maxEntries: options.maxEntries }) })
  const ping = database.handle.prepare('SELECT 1')
  const claimOptions = { until: options.durableClaims === false ? 'queued' : 'disk' } as const

  const interval = options.purgeIntervalMs ?? 60_000
  const timer = interval > 0 ? setInterval(() => void keys.purge().catch(() => undefined), interval).unref() : undefined

  return {
    async claim(key, ttlSeconds): Promise<ClaimResult> {
      const verdict = await keys.claim(key, now() + ttlSeconds * 1000, claimOptions)
      if (verdict === 'full') throw new NonceStoreFullError(keys.maxEntries)
      return verdict
    },
    release: (key) => keys.release(key),
    keyCount: () => ({ live: keys.size(), max: keys.maxEntries }),
    async ping() {
      ping.get()
    },
    async close() {
      if (timer) clearInterval(timer)
    },
  }
}

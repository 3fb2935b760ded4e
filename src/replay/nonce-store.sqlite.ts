import type { SqliteDatabase } from '../storage/sqlite-database.js'
import type { ClaimResult, NonceStore } from './nonce-store.js'

export interface SqliteNonceStoreOptions {
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
  /** How often expired keys are purged (default 60 s); 0 disables the timer. */
  readonly purgeIntervalMs?: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nonces (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_expires_at ON nonces (expires_at);
`

/**
 * The embedded NonceStore: claims survive a restart, so a request captured before a crash
 * is still refused after it. One statement decides atomically: a new key is inserted, an
 * expired one is taken over, a live one is left alone (0 rows changed = duplicate).
 */
export function createSqliteNonceStore(database: SqliteDatabase, options: SqliteNonceStoreOptions = {}): NonceStore {
  const { handle, writer } = database
  const now = options.now ?? Date.now
  handle.exec(SCHEMA)
  const claimStmt = handle.prepare(
    `INSERT INTO nonces (key, expires_at) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= ?`,
  )
  const releaseStmt = handle.prepare('DELETE FROM nonces WHERE key = ?')
  const purgeStmt = handle.prepare(
    'DELETE FROM nonces WHERE key IN (SELECT key FROM nonces WHERE expires_at <= ? LIMIT 10000)',
  )
  const pingStmt = handle.prepare('SELECT 1')

  const interval = options.purgeIntervalMs ?? 60_000
  const timer = interval > 0 ? setInterval(() => void purge(), interval).unref() : undefined
  async function purge(): Promise<void> {
    await writer.run(() => purgeStmt.run(now())).catch(() => undefined)
  }

  return {
    claim(key, ttlSeconds) {
      return writer.run((): ClaimResult => {
        const at = now()
        return claimStmt.run(key, at + ttlSeconds * 1000, at).changes === 1 ? 'first' : 'duplicate'
      })
    },
    async release(key) {
      await writer.run(() => releaseStmt.run(key))
    },
    async ping() {
      pingStmt.get()
    },
    async close() {
      if (timer) clearInterval(timer)
    },
  }
}

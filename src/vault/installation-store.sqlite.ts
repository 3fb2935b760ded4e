import { randomUUID } from 'node:crypto'
import type { SqliteDatabase } from '../storage/sqlite-database.js'
import type { WrappedDataKey } from './envelope.js'
import type { InstallationStore, StoredInstallation, TokenSlotName } from './installation-store.js'
import { DEFAULT_LOCK_WAIT_MS, waitForLock } from './lock-wait.js'

export interface SqliteInstallationStoreOptions {
  /** How long a lease lasts without renewal (default 30 s); a crashed holder's lease ends with it. */
  readonly leaseMs?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_installations (
  key TEXT PRIMARY KEY,
  metadata TEXT NOT NULL,
  bot_token TEXT,
  bot_refresh_token TEXT,
  user_token TEXT,
  user_refresh_token TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vault_data_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  master_key_id TEXT NOT NULL,
  wrapped TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vault_locks (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
`

const COLUMNS: ReadonlyArray<[TokenSlotName, string]> = [
  ['bot.token', 'bot_token'],
  ['bot.refreshToken', 'bot_refresh_token'],
  ['user.token', 'user_token'],
  ['user.refreshToken', 'user_refresh_token'],
]

interface Row {
  key: string
  metadata: string
  updated_at: number
  [column: string]: unknown
}

/**
 * The embedded InstallationStore, in the gateway's SQLite file (0600, like its -wal and -shm).
 * Writes go through the file's group-commit writer, so they are durable when they resolve.
 *
 * The lock is a lease row, not a transaction: one atomic upsert takes it when it is free or
 * expired, with an owner id of its own; the holder renews it while `fn` runs and deletes it
 * (if still its own) when `fn` ends. Waiters poll with a short backoff. Several processes may
 * open the file (the CLI beside a running gateway): SQLite serialises the statements.
 *
 * @example
 * const store = createSqliteInstallationStore(openSqliteDatabase('./data/slackgate.db'))
 */
export function createSqliteInstallationStore(database: SqliteDatabase, options: SqliteInstallationStoreOptions = {}): InstallationStore {
  const { handle, writer } = database
  const now = options.now ?? Date.now
  const leaseMs = options.leaseMs ?? 30_000
  handle.exec(SCHEMA)
  const upsert = handle.prepare(
    `INSERT INTO vault_installations (key, metadata, ${COLUMNS.map(([, c]) => c).join(', ')}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET metadata = excluded.metadata, ${COLUMNS.map(([, c]) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at`,
  )
  const select = handle.prepare('SELECT * FROM vault_installations WHERE key = ?')
  const selectAll = handle.prepare('SELECT * FROM vault_installations ORDER BY key')
  const remove = handle.prepare('DELETE FROM vault_installations WHERE key = ?')
  const readKey = handle.prepare('SELECT master_key_id, wrapped FROM vault_data_key WHERE id = 1')
  const insertKey = handle.prepare('INSERT INTO vault_data_key (id, master_key_id, wrapped) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING')
  const swapKey = handle.prepare('UPDATE vault_data_key SET master_key_id = ?, wrapped = ? WHERE id = 1 AND master_key_id = ?')
  const takeLease = handle.prepare(
    `INSERT INTO vault_locks (key, owner, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE vault_locks.expires_at <= ?`,
  )
  const renewLease = handle.prepare('UPDATE vault_locks SET expires_at = ? WHERE key = ? AND owner = ?')
  const dropLease = handle.prepare('DELETE FROM vault_locks WHERE key = ? AND owner = ?')
  const ping = handle.prepare('SELECT 1')
  // A lease is bookkeeping: lost in a crash, it is free again, as it would be at its expiry.
  const losable = { durable: false, atomic: true } as const

  return {
    async put(row) {
      const sealed = COLUMNS.map(([slot]) => row.sealed[slot] ?? null)
      await writer.run(() => upsert.run(row.key, row.metadata, ...sealed, row.updatedAt), { atomic: true })
    },
    async get(key) {
      const row = select.get(key) as Row | undefined
      return row === undefined ? undefined : fromRow(row)
    },
    async list() {
      return (selectAll.all() as Row[]).map(fromRow)
    },
    async delete(key) {
      return (await writer.run(() => remove.run(key).changes, { atomic: true })) > 0
    },
    async readDataKey() {
      const row = readKey.get() as { master_key_id: string; wrapped: string } | undefined
      return row === undefined ? undefined : { masterKeyId: row.master_key_id, wrapped: row.wrapped }
    },
    async initDataKey(key: WrappedDataKey) {
      await writer.run(() => insertKey.run(key.masterKeyId, key.wrapped), { atomic: true })
      const row = readKey.get() as { master_key_id: string; wrapped: string }
      return { masterKeyId: row.master_key_id, wrapped: row.wrapped }
    },
    async rewrapDataKey(expected, next) {
      return (await writer.run(() => swapKey.run(next.masterKeyId, next.wrapped, expected).changes, { atomic: true })) === 1
    },
    async withLock(key, fn, lockOptions = {}) {
      const owner = `${process.pid}:${randomUUID()}`
      const take = async () => (await writer.run(() => takeLease.run(key, owner, now() + leaseMs, now()).changes, losable)) === 1
      await waitForLock(key, take, lockOptions.waitMs ?? DEFAULT_LOCK_WAIT_MS)
      // Renewed well before it ends, so a slow `fn` keeps it; a renewal that fails is retried at the next tick.
      const renewal = setInterval(() => void writer.run(() => renewLease.run(now() + leaseMs, key, owner), losable).catch(() => undefined), leaseMs / 3)
      renewal.unref()
      try {
        return await fn()
      } finally {
        clearInterval(renewal)
        // Left behind if this fails, it expires after leaseMs.
        await writer.run(() => dropLease.run(key, owner), losable).catch(() => undefined)
      }
    },
    async ping() {
      ping.get()
      writer.assertWritable()
    },
    async close() {},
  }
}

function fromRow(row: Row): StoredInstallation {
  const sealed: Partial<Record<TokenSlotName, string>> = {}
  for (const [slot, column] of COLUMNS) {
    const value = row[column]
    if (typeof value === 'string') sealed[slot] = value
  }
  return { key: row.key, metadata: row.metadata, sealed, updatedAt: row.updated_at }
}

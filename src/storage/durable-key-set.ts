import { ExpiringKeys, type KeyClaim } from './expiring-keys.js'
import { BatchAbortError } from './group-commit.js'
import type { SqliteDatabase } from './sqlite-database.js'

/** The most expired records one purge operation deletes; a purge runs as many as it takes. */
export const PURGE_CHUNK = 10_000

export interface DurableKeySetOptions {
  /** Clock in milliseconds. */
  readonly now: () => number
  /** Most live keys held (default 2,000,000, about 250 MB); beyond it claims are refused. */
  readonly maxEntries?: number
}

export interface ClaimWriteOptions {
  /**
   * Further writes in the same transaction as the key: both are stored, or neither. It must
   * leave nothing behind when it throws (one statement): the key's row is then deleted again.
   */
  readonly alongside?: () => void
  /**
   * When the claim resolves:
   * - `disk` (the default): once the key is on disk;
   * - `queued`: at once, with the decision made in memory. The write joins the batch being
   *   gathered, so it commits, and becomes durable, with whatever the caller writes next in
   *   the same turn of the event loop. For a caller whose next write is its own durable one
   *   (the admission claims a request's keys, then enqueues its job): one commit and one
   *   sync for both. Should the write fail, the key is forgotten again.
   */
  readonly until?: 'disk' | 'queued'
  /**
   * Called for a `first` claim as soon as its write is queued, before it is durable: a write
   * the caller issues from here joins the same batch (one commit, one sync).
   */
  readonly onQueued?: () => void
}

export interface DurableKeySet {
  /**
   * Claims `key` until `expiresAt`. The decision is made at once, in memory (atomic on the
   * event loop); for `first`, the key is then written in a group-commit operation (see
   * ClaimWriteOptions), and if that write fails the claim is undone and the promise rejects.
   *
   * A `duplicate` is never answered while the first claim of the key is still being
   * written: it waits for that write, and if the write failed, claims again. Otherwise a
   * retry answered "duplicate" could outlive an original that was never stored.
   */
  claim(key: string, expiresAt: number, options?: ClaimWriteOptions): Promise<KeyClaim>
  /** Forgets a key this caller claimed and deletes its record. */
  release(key: string): Promise<void>
  /** Deletes every expired record (writer operations of PURGE_CHUNK each) and drops them from memory. */
  purge(): Promise<void>
  /** Keys held in memory now (live, or expired and not swept yet). */
  size(): number
  readonly maxEntries: number
}

/**
 * A set of expiring keys kept in memory and recorded in an append-only SQLite table, for
 * the embedded nonce store and the queue's idempotency keys.
 *
 * Why not a table keyed by the key: a key is a signature or a random id, so every insert
 * would land on a random B-tree page, and each commit would write every page it touched to
 * the WAL (35 to 45 µs per insert measured here, against 8 to 15 µs for an append). Here the
 * table is written in expiry order only, and the lookup is a Map. The gateway holds an
 * exclusive lock on the database, so this process's memory is the only one that decides;
 * at start the live records are read back, so claims survive a restart or a crash.
 */
export function openDurableKeySet(database: SqliteDatabase, table: string, options: DurableKeySetOptions): DurableKeySet {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`invalid table name ${table}`)
  const { handle, writer } = database
  const { now } = options
  handle.exec(`
    CREATE TABLE IF NOT EXISTS ${table} (key TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS ${table}_expires_at ON ${table} (expires_at);
  `)
  const keys = new ExpiringKeys(options.maxEntries ?? 2_000_000)
  const live = handle.prepare(`SELECT key, expires_at FROM ${table} WHERE expires_at > ? ORDER BY expires_at`)
  for (const row of live.all(now()) as Array<{ key: string; expires_at: number }>) keys.restore(row.key, row.expires_at)

  const insert = handle.prepare(`INSERT INTO ${table} (key, expires_at) VALUES (?, ?)`)
  const remove = handle.prepare(`DELETE FROM ${table} WHERE expires_at = ? AND key = ?`)
  const purge = handle.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE expires_at <= ? LIMIT ${PURGE_CHUNK})`)

  /** Claims whose write has not settled yet, so that a duplicate can wait for it. */
  const writing = new Map<string, Promise<unknown>>()

  async function claim(key: string, expiresAt: number, options: ClaimWriteOptions): Promise<KeyClaim> {
    // A claim that will not wait for its write still fails at once on a database that
    // cannot be written.
    writer.assertWritable()
    const verdict = keys.claim(key, now(), expiresAt)
    if (verdict === 'duplicate') {
      const first = writing.get(key)
      if (first === undefined) return 'duplicate'
      return first.then(
        () => 'duplicate',
        () => claim(key, expiresAt, options),
      )
    }
    if (verdict === 'full') return 'full'
    const { alongside } = options
    const write = writer
      .run(
        () => {
          insert.run(key, expiresAt)
          if (alongside !== undefined) undoIfThrows(alongside, () => remove.run(expiresAt, key))
        },
        // Undone in place rather than in a savepoint of its own: two statements fewer.
        { atomic: true },
      )
      .then(
        () => void writing.delete(key),
        (err: unknown) => {
          writing.delete(key)
          keys.forget(key)
          throw err
        },
      )
    writing.set(key, write)
    options.onQueued?.()
    if (options.until === 'queued') write.catch(() => undefined)
    else await write
    return 'first'
  }

  return {
    maxEntries: keys.maxEntries,
    size: () => keys.size,
    claim: (key, expiresAt, options = {}) => claim(key, expiresAt, options),
    async release(key) {
      const expiresAt = keys.expiryOf(key)
      keys.forget(key)
      if (expiresAt !== undefined) await writer.run(() => remove.run(expiresAt, key), { atomic: true })
    },
    async purge() {
      const at = now()
      keys.sweep(at)
      // Chunk after chunk until no expired record is left, each its own writer operation so
      // that requests interleave: expiry keeps pace with any rate the gateway can take keys.
      for (;;) {
        const { changes } = await writer.run(() => purge.run(at), { atomic: true, durable: false })
        if (changes < PURGE_CHUNK) return
      }
    },
  }
}

/**
 * Runs `write`; if it throws, runs `undo` (the caller's earlier statements in this operation)
 * and rethrows. An undo that fails too aborts the whole batch: half an operation never commits.
 */
function undoIfThrows(write: () => void, undo: () => void): void {
  try {
    write()
  } catch (err) {
    try {
      undo()
    } catch (undoErr) {
      throw new BatchAbortError('a failed write could not be undone', { cause: undoErr })
    }
    throw err
  }
}

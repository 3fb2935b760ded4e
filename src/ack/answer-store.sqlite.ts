import { PURGE_CHUNK } from '../storage/durable-key-set.js'
import type { SqliteDatabase } from '../storage/sqlite-database.js'
import { orUnavailable, type AnswerStore } from './answer-store.js'

export interface SqliteAnswerStoreOptions {
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
  /** How often expired answers are purged (default 60 s); 0 disables the timer. */
  readonly purgeIntervalMs?: number
}

/** The embedded store, which can also delete its expired answers on demand. */
export interface SqliteAnswerStore extends AnswerStore {
  /** Deletes every expired answer, in writer operations of PURGE_CHUNK rows each. */
  purge(): Promise<void>
}

/**
 * The embedded AnswerStore: answers live in the gateway's database, so a duplicate arriving
 * after a restart still gets the answer given before it. `put` resolves once the answer is
 * on disk. First-answer-wins is one upsert that replaces a row only once it has expired,
 * and every write goes through the group-commit writer, so two puts of one key, even in
 * one batch, cannot both win.
 *
 * @example
 * const answers = createSqliteAnswerStore(openSqliteDatabase('./data/slackgate.db'))
 */
export function createSqliteAnswerStore(database: SqliteDatabase, options: SqliteAnswerStoreOptions = {}): SqliteAnswerStore {
  const now = options.now ?? Date.now
  const { handle, writer } = database
  handle.exec(`
    CREATE TABLE IF NOT EXISTS ack_answers (key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS ack_answers_expires_at ON ack_answers (expires_at);
  `)
  const insert = handle.prepare(`
    INSERT INTO ack_answers (key, status, body, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET status = excluded.status, body = excluded.body, expires_at = excluded.expires_at
    WHERE ack_answers.expires_at <= ?`)
  const select = handle.prepare('SELECT status, body FROM ack_answers WHERE key = ? AND expires_at > ?')
  const purgeChunk = handle.prepare(
    `DELETE FROM ack_answers WHERE rowid IN (SELECT rowid FROM ack_answers WHERE expires_at <= ? LIMIT ${PURGE_CHUNK})`,
  )
  const ping = handle.prepare('SELECT 1')

  async function purge(): Promise<void> {
    const at = now()
    // Chunk after chunk, each its own writer operation, so that requests interleave.
    for (;;) {
      const { changes } = await orUnavailable(() => writer.run(() => purgeChunk.run(at), { atomic: true, durable: false }))
      if (changes < PURGE_CHUNK) return
    }
  }

  const interval = options.purgeIntervalMs ?? 60_000
  const timer = interval > 0 ? setInterval(() => void purge().catch(() => undefined), interval).unref() : undefined

  return {
    async put(key, answer, ttlSeconds) {
      const at = now()
      const expiresAt = at + Math.ceil(ttlSeconds * 1000)
      const { changes } = await orUnavailable(() =>
        // One statement: SQLite makes it atomic, so it needs no savepoint of its own.
        writer.run(() => insert.run(key, answer.status, answer.body, expiresAt, at), { atomic: true }),
      )
      return changes === 1
    },
    get: (key) =>
      orUnavailable(() => {
        const row = select.get(key, now()) as { status: number; body: string } | undefined
        return row === undefined ? undefined : { status: row.status, body: row.body }
      }),
    ping: () => orUnavailable(() => void ping.get()),
    purge,
    async close() {
      if (timer) clearInterval(timer)
    },
  }
}

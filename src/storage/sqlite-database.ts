import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { GroupCommitWriter } from './group-commit.js'
import type { SqliteHandle } from './sqlite-handle.js'

/** One embedded database file shared by the SQLite adapters, with its group-commit writer. */
export interface SqliteDatabase {
  readonly path: string
  readonly handle: SqliteHandle
  readonly writer: GroupCommitWriter
  close(): void
}

/**
 * Opens (creating if needed) the embedded database. WAL lets the CLI read while the
 * gateway writes; synchronous=FULL makes every commit durable, and group commit keeps that
 * to one fsync per batch of requests.
 */
export function openSqliteDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const handle = new Database(path) as unknown as SqliteHandle
  handle.pragma('journal_mode = WAL')
  handle.pragma('synchronous = FULL')
  handle.pragma('busy_timeout = 5000')
  handle.pragma('foreign_keys = ON')
  const writer = new GroupCommitWriter(handle)
  let closed = false
  return {
    path,
    handle,
    writer,
    close() {
      if (closed) return
      closed = true
      writer.close()
      handle.close()
    },
  }
}

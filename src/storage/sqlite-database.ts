import { closeSync, fdatasync, fstatSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { GroupCommitWriter, type DurableSync } from './group-commit.js'
import { createPrivateFile, tightenFile } from './private-files.js'
import type { SqliteHandle } from './sqlite-handle.js'

/** One embedded database file shared by the SQLite adapters, with its group-commit writer. */
export interface SqliteDatabase {
  readonly path: string
  readonly handle: SqliteHandle
  readonly writer: GroupCommitWriter
  close(): void
}

/**
 * Opens (creating if needed) the embedded database. WAL lets the CLI read while the gateway
 * writes. Commits append to the WAL without waiting for the disk (synchronous=NORMAL), and
 * the group-commit writer makes them durable with an fdatasync of the WAL off the event
 * loop before any of them is acknowledged: the guarantee of synchronous=FULL, at the cost
 * of one fsync per group and none on the event loop. SQLite still syncs the WAL before each
 * checkpoint and the database file after it, as it does under FULL.
 */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const inMemory = path === ':memory:'
  if (!inMemory) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // 0600 whatever the directory: it may already exist and be readable by others.
    createPrivateFile(path)
    for (const file of [path, `${path}-wal`, `${path}-shm`]) tightenFile(file)
  }
  const handle = new Database(path) as unknown as SqliteHandle
  handle.pragma('journal_mode = WAL')
  handle.pragma('synchronous = NORMAL')
  handle.pragma('busy_timeout = 5000')
  handle.pragma('foreign_keys = ON')
  const wal = inMemory ? undefined : walSync(`${path}-wal`)
  const writer = new GroupCommitWriter(handle, wal?.sync)
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
      wal?.close()
    },
  }
}

/**
 * fdatasync of the write-ahead log through a descriptor of our own (fsync acts on the file,
 * whichever descriptor names it). The log exists once the first write has committed, which
 * precedes every sync; it is opened then and again if it was ever unlinked and recreated.
 */
export function walSync(walPath: string): { sync: DurableSync; close(): void } {
  let fd: number | undefined
  let syncing = false
  let closing = false
  const release = () => {
    if (fd !== undefined) closeSync(fd)
    fd = undefined
  }
  function descriptor(): number {
    if (fd !== undefined && fstatSync(fd).nlink > 0) return fd
    // Forgotten before the open: if it throws, close() must not close the number again (by
    // then it may be another file's).
    release()
    fd = openSync(walPath, 'r')
    return fd
  }
  return {
    sync(done) {
      let target: number
      try {
        target = descriptor()
      } catch (err) {
        return done(err as Error)
      }
      syncing = true
      fdatasync(target, (err) => {
        syncing = false
        if (closing) release()
        done(err)
      })
    },
    close() {
      // A sync in flight keeps the descriptor until it completes.
      closing = true
      if (!syncing) release()
    },
  }
}

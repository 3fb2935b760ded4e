import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteDatabase, walSync } from '../../../src/storage/sqlite-database.js'
import { exposedDirectoryMode } from '../../../src/storage/private-files.js'

const mode = (path: string) => statSync(path).mode & 0o777

/** A data directory that already exists, readable by everyone, as `mkdir data` leaves it. */
function openDirectory(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'slackgate-modes-')), 'data')
  mkdirSync(dir)
  chmodSync(dir, 0o755)
  return dir
}

describe('the embedded database file', () => {
  let umask: number
  // The common default: files created 0644 unless their creator asks for less.
  beforeEach(() => void (umask = process.umask(0o022)))
  afterEach(() => void process.umask(umask))

  it('is created 0600, with its -wal and -shm, in a data directory that already exists', () => {
    const path = join(openDirectory(), 'slackgate.db')
    const db = openSqliteDatabase(path)
    db.handle.exec('CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)')
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file), file).toBe(true)
      expect(mode(file).toString(8), file).toBe('600')
    }
    db.close()
  })

  it('tightens a database, -wal and -shm that an older version left readable by others', () => {
    const path = join(openDirectory(), 'slackgate.db')
    const first = openSqliteDatabase(path)
    first.handle.exec('CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)')
    // A second connection keeps the WAL from being checkpointed away when the first closes.
    const reader = openSqliteDatabase(path)
    first.close()
    for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644)
    const again = openSqliteDatabase(path)
    expect(again.handle.prepare('SELECT v FROM t').get()).toEqual({ v: 1 })
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file).toString(8), file).toBe('600')
    again.close()
    reader.close()
  })

  it('creates a missing data directory 0700', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'slackgate-modes-')), 'fresh', 'slackgate.db')
    openSqliteDatabase(path).close()
    expect(mode(join(path, '..')).toString(8)).toBe('700')
  })
})

describe('exposedDirectoryMode', () => {
  it('names the mode of a directory that others may read or enter', () => {
    const dir = openDirectory()
    expect(exposedDirectoryMode(dir)).toBe(0o755)
    chmodSync(dir, 0o750)
    expect(exposedDirectoryMode(dir)).toBe(0o750)
  })

  it('is undefined for a private directory, and for one that does not exist', () => {
    const dir = openDirectory()
    chmodSync(dir, 0o700)
    expect(exposedDirectoryMode(dir)).toBeUndefined()
    expect(exposedDirectoryMode(join(dir, 'missing'))).toBeUndefined()
  })
})

describe('walSync', () => {
  it('a log unlinked and not yet recreated fails the sync, and close() closes no descriptor twice', async () => {
    const wal = join(mkdtempSync(join(tmpdir(), 'slackgate-walsync-')), 'x.db-wal')
    writeFileSync(wal, 'log')
    const w = walSync(wal)
    const sync = () => new Promise<Error | null | undefined>((resolve) => w.sync((err) => resolve(err)))
    expect(await sync()).toBeFalsy()
    unlinkSync(wal)
    expect(await sync()).toMatchObject({ code: 'ENOENT' })
    // Before the fix, the descriptor closed on the way to the failed open was closed again here (EBADF).
    expect(() => w.close()).not.toThrow()
  })
})

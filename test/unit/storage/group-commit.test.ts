import { describe, expect, it } from 'vitest'
import { openSqliteDatabase } from '../../../src/storage/sqlite-database.js'
import { BatchAbortError, GroupCommitWriter, type DurableSync } from '../../../src/storage/group-commit.js'

function controlledSync() {
  const calls: Array<(err: Error | null) => void> = []
  const sync: DurableSync = (done) => void calls.push(done)
  return { sync, calls }
}

describe('GroupCommitWriter', () => {
  it('resolves a durable write only after a sync that began after its commit', async () => {
    const db = openSqliteDatabase(':memory:')
    const { sync, calls } = controlledSync()
    const writer = new GroupCommitWriter(db.handle, sync)
    db.handle.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.handle.prepare('INSERT INTO t (v) VALUES (?)')
    let first = false
    const a = writer.run(() => insert.run(1)).then(() => (first = true))
    await new Promise((r) => setImmediate(r))
    expect(calls).toHaveLength(1)
    // Committed (visible), not yet acknowledged.
    expect(db.handle.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
    expect(first).toBe(false)
    // A second batch committed while the first sync is in flight waits for the next sync.
    let second = false
    const b = writer.run(() => insert.run(2)).then(() => (second = true))
    await new Promise((r) => setImmediate(r))
    expect(calls).toHaveLength(1)
    calls[0]?.(null)
    await a
    expect(first).toBe(true)
    expect(second).toBe(false)
    expect(calls).toHaveLength(2)
    calls[1]?.(null)
    await b
    db.close()
  })

  it('resolves a non-durable write at commit, without waiting for a sync', async () => {
    const db = openSqliteDatabase(':memory:')
    const { sync, calls } = controlledSync()
    const writer = new GroupCommitWriter(db.handle, sync)
    expect(await writer.run(() => 42, { durable: false })).toBe(42)
    expect(calls).toHaveLength(0)
    db.close()
  })

  it('after a failed sync, rejects that batch and refuses every later write (fail closed)', async () => {
    const db = openSqliteDatabase(':memory:')
    const { sync, calls } = controlledSync()
    const writer = new GroupCommitWriter(db.handle, sync)
    const a = writer.run(() => 1)
    await new Promise((r) => setImmediate(r))
    calls[0]?.(new Error('EIO: i/o error, fdatasync'))
    await expect(a).rejects.toThrow('EIO')
    await expect(writer.run(() => 2)).rejects.toThrow('EIO')
    db.close()
  })

  it('rolls back only the operation that threw, and keeps the rest of its batch', async () => {
    const db = openSqliteDatabase(':memory:')
    db.handle.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.handle.prepare('INSERT INTO t (v) VALUES (?)')
    const ok = db.writer.run(() => insert.run(1))
    const bad = db.writer.run(() => {
      insert.run(2)
      throw new Error('boom')
    })
    await expect(bad).rejects.toThrow('boom')
    await ok
    expect(db.handle.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }])
    db.close()
  })

  it('an operation that throws BatchAbortError rolls back its whole batch and rejects every operation in it', async () => {
    const db = openSqliteDatabase(':memory:')
    db.handle.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.handle.prepare('INSERT INTO t (v) VALUES (?)')
    const before = db.writer.run(() => insert.run(1), { atomic: true })
    await new Promise((r) => setImmediate(r))
    const ok = db.writer.run(() => insert.run(2), { atomic: true })
    const aborting = db.writer.run(() => {
      insert.run(3)
      throw new BatchAbortError('cannot undo')
    }, { atomic: true })
    await expect(ok).rejects.toThrow('cannot undo')
    await expect(aborting).rejects.toBeInstanceOf(BatchAbortError)
    await before
    expect(db.handle.prepare('SELECT v FROM t').all()).toEqual([{ v: 1 }])
    // The writer goes on: only that batch was lost.
    await db.writer.run(() => insert.run(4), { atomic: true })
    expect(db.handle.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 1 }, { v: 4 }])
    db.close()
  })
})

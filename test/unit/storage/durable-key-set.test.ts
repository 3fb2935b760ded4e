import { describe, expect, it } from 'vitest'
import { openDurableKeySet, PURGE_CHUNK } from '../../../src/storage/durable-key-set.js'
import { GroupCommitWriter, type DurableSync } from '../../../src/storage/group-commit.js'
import { openSqliteDatabase } from '../../../src/storage/sqlite-database.js'

const NOW = 1_700_000_000_000
const LATER = NOW + 60_000

/** A key set over an in-memory database whose syncs complete only when the test says so. */
function keySetWithManualSync() {
  const db = openSqliteDatabase(':memory:')
  const syncs: Array<(err: Error | null) => void> = []
  const sync: DurableSync = (done) => void syncs.push(done)
  const writer = new GroupCommitWriter(db.handle, sync)
  const keys = openDurableKeySet({ ...db, writer }, 'test_keys', { now: () => NOW })
  const flushSyncs = async () => {
    await new Promise((r) => setImmediate(r))
    while (syncs.length > 0) syncs.shift()?.(null)
    await new Promise((r) => setImmediate(r))
  }
  return { db, keys, syncs, flushSyncs }
}

const settled = (p: Promise<unknown>) => {
  const state = { done: false as boolean, value: undefined as unknown }
  void p.then((value) => Object.assign(state, { done: true, value }), (value: unknown) => Object.assign(state, { done: true, value }))
  return state
}

describe('DurableKeySet', () => {
  it('does not answer a duplicate before the first claim of the key is on disk', async () => {
    const { db, keys, syncs, flushSyncs } = keySetWithManualSync()
    const first = settled(keys.claim('k', LATER))
    const second = settled(keys.claim('k', LATER))
    await new Promise((r) => setImmediate(r))
    expect(syncs).toHaveLength(1)
    expect(first.done).toBe(false)
    expect(second.done).toBe(false)
    await flushSyncs()
    expect(first.value).toBe('first')
    expect(second.value).toBe('duplicate')
    db.close()
  })

  it('gives the key to a waiting duplicate when the first write fails', async () => {
    const { db, keys, flushSyncs } = keySetWithManualSync()
    const first = settled(
      keys.claim('k', LATER, {
        alongside() {
          throw new Error('disk full')
        },
      }),
    )
    const second = keys.claim('k', LATER)
    await flushSyncs()
    expect(first.value).toEqual(new Error('disk full'))
    await flushSyncs()
    await expect(second).resolves.toBe('first')
    expect(db.handle.prepare('SELECT key FROM test_keys').all()).toEqual([{ key: 'k' }])
    db.close()
  })

  it('undoes the key when the write alongside fails, and aborts the whole batch if even that fails', async () => {
    const { db, keys, flushSyncs } = keySetWithManualSync()
    const failing = () => {
      throw new Error('constraint')
    }
    const undone = settled(keys.claim('a', LATER, { alongside: failing }))
    const kept = settled(keys.claim('b', LATER))
    await flushSyncs()
    expect(undone.value).toEqual(new Error('constraint'))
    expect(kept.value).toBe('first')
    expect(db.handle.prepare('SELECT key FROM test_keys').all()).toEqual([{ key: 'b' }])

    // The alongside write takes the table away, so the undo fails too: nothing of the batch
    // commits (the DROP included), and both claims of it reject and forget their keys.
    const dropping = () => {
      db.handle.exec('DROP TABLE test_keys')
      throw new Error('gone')
    }
    const broken = settled(keys.claim('c', LATER, { alongside: dropping }))
    const neighbour = settled(keys.claim('d', LATER))
    await flushSyncs()
    expect(broken.value).toMatchObject({ name: 'BatchAbortError' })
    expect(neighbour.value).toMatchObject({ name: 'BatchAbortError' })
    expect(db.handle.prepare('SELECT key FROM test_keys ORDER BY key').all()).toEqual([{ key: 'b' }])
    const again = settled(keys.claim('c', LATER))
    await flushSyncs()
    expect(again.value).toBe('first')
    db.close()
  })

  it("with until: 'queued', resolves at once and commits with the caller's next write", async () => {
    const { db, keys, syncs, flushSyncs } = keySetWithManualSync()
    await expect(keys.claim('a', LATER, { until: 'queued' })).resolves.toBe('first')
    expect(db.handle.prepare('SELECT key FROM test_keys').all()).toEqual([])
    // The caller's own durable write, in the same turn: one batch, one sync for both.
    const next = keys.claim('b', LATER)
    await new Promise((r) => setImmediate(r))
    expect(db.handle.prepare('SELECT key FROM test_keys ORDER BY key').all()).toEqual([{ key: 'a' }, { key: 'b' }])
    expect(syncs).toHaveLength(1)
    // A duplicate of the queued claim still waits for it to be on disk.
    const duplicate = settled(keys.claim('a', LATER))
    await new Promise((r) => setImmediate(r))
    expect(duplicate.done).toBe(false)
    await flushSyncs()
    await expect(next).resolves.toBe('first')
    expect(duplicate.value).toBe('duplicate')
    db.close()
  })

  it("with until: 'queued', forgets the key when its write fails", async () => {
    const { db, keys, flushSyncs } = keySetWithManualSync()
    const claimed = await keys.claim('a', LATER, {
      until: 'queued',
      alongside() {
        throw new Error('disk full')
      },
    })
    expect(claimed).toBe('first')
    await flushSyncs()
    const again = keys.claim('a', LATER)
    await flushSyncs()
    await expect(again).resolves.toBe('first')
    db.close()
  })

  it('answers a duplicate at once when the first claim is already stored', async () => {
    const { db, keys, flushSyncs } = keySetWithManualSync()
    const first = keys.claim('k', LATER)
    await flushSyncs()
    await expect(first).resolves.toBe('first')
    await expect(keys.claim('k', LATER)).resolves.toBe('duplicate')
    db.close()
  })
})

describe('DurableKeySet purge', () => {
  it('deletes every expired record, however many chunks it takes, and keeps the live ones', async () => {
    let clock = NOW
    const db = openSqliteDatabase(':memory:')
    const keys = openDurableKeySet(db, 'purged_keys', { now: () => clock })
    const expired = PURGE_CHUNK * 2 + 500
    const insert = db.handle.prepare('INSERT INTO purged_keys (key, expires_at) VALUES (?, ?)')
    db.handle.transaction(() => {
      for (let i = 0; i < expired; i++) insert.run(`old-${i}`, NOW + 1000)
    })()
    expect(await keys.claim('live', NOW + 3_600_000)).toBe('first')
    clock = NOW + 2000
    await keys.purge()
    expect(db.handle.prepare('SELECT key FROM purged_keys').all()).toEqual([{ key: 'live' }])
    expect(await keys.claim('live', NOW + 3_600_000)).toBe('duplicate')
    db.close()
  })
})

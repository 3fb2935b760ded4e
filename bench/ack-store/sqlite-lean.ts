import { join } from 'node:path'
import { openSqliteDatabase, walSync } from '../../src/storage/sqlite-database.js'
import type { AckStore } from './drive.js'
import { SyncGroups, TurnBatches, type Waiter } from './groups.js'
import { keyedStore } from './keyed-store.js'
import { acceptWrite, leanCommitter, type LeanWrite } from './lean-rows.js'

/**
 * SQLite done leaner (see lean-rows.ts): a request's rows are one item of the batch, and its
 * delivery's rows ride in a later batch that nothing waits for.
 */
export async function openSqliteLean(dir: string): Promise<AckStore> {
  const path = join(dir, 'lean.db')
  const database = openSqliteDatabase(path)
  const commit = leanCommitter(database.handle)
  const wal = walSync(`${path}-wal`)
  const groups = new SyncGroups(wal.sync)
  const batches = new TurnBatches<{ write: LeanWrite; waiter?: Waiter }>((items) => {
    commit(items.map((i) => i.write))
    groups.afterNextSync((err) => {
      for (const { waiter } of items) if (waiter !== undefined) (err === null ? waiter.resolve() : waiter.reject(err))
    })
  })
  return keyedStore({
    accept: (rows) => new Promise<void>((resolve, reject) => batches.add({ write: acceptWrite(rows), waiter: { resolve, reject } })),
    settle: (job, record) => batches.add({ write: { kind: 'settle', id: job.id, record } }),
    async close() {
      batches.close()
      wal.close()
      database.close()
    },
  })
}

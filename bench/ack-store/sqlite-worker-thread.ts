// The worker of the `sqlite-worker` design: commits each batch the event loop posts, in one
// transaction, and answers with the batch's number once a sync after its commit completed.
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { openSqliteDatabase, walSync } from '../../src/storage/sqlite-database.js'
import { SyncGroups } from './groups.js'
import { leanCommitter, type LeanWrite } from './lean-rows.js'

const path = join((workerData as { dir: string }).dir, 'worker.db')
const commit = leanCommitter(openSqliteDatabase(path).handle)
const groups = new SyncGroups(walSync(`${path}-wal`).sync)
parentPort?.on('message', ({ batch, writes }: { batch: number; writes: LeanWrite[] }) => {
  commit(writes)
  groups.afterNextSync((err) => parentPort?.postMessage({ batch, error: err?.message }))
})

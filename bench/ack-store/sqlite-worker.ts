import { Worker } from 'node:worker_threads'
import type { AckStore } from './drive.js'
import { TurnBatches } from './groups.js'
import { keyedStore } from './keyed-store.js'
import { acceptWrite, type LeanWrite } from './lean-rows.js'

/**
 * The lean SQLite design with its transactions, hashing and syncs moved to a worker thread:
 * the event loop decides keys in memory, builds the job and the audit record, and posts one
 * message per batch; the worker answers once the batch is durable.
 */
export async function openSqliteWorker(dir: string): Promise<AckStore> {
  const worker = new Worker(new URL('./sqlite-worker-entry.mjs', import.meta.url), { workerData: { dir } })
  const waiting = new Map<number, Array<() => void>>()
  let next = 0
  worker.on('message', ({ batch, error }: { batch: number; error?: string }) => {
    if (error !== undefined) throw new Error(error)
    for (const resolve of waiting.get(batch) ?? []) resolve()
    waiting.delete(batch)
  })
  const batches = new TurnBatches<{ write: LeanWrite; resolve?: () => void }>((items) => {
    const batch = next++
    waiting.set(batch, items.flatMap((i) => (i.resolve === undefined ? [] : [i.resolve])))
    worker.postMessage({ batch, writes: items.map((i) => i.write) })
  })
  return keyedStore({
    accept: (rows) => new Promise<void>((resolve) => batches.add({ write: acceptWrite(rows), resolve })),
    settle: (job, record) => batches.add({ write: { kind: 'settle', id: job.id, record } }),
    async close() {
      batches.close()
      await worker.terminate()
    },
  })
}

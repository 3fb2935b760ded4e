import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.js'
import type { AckStore } from './drive.js'
import { keyedStore } from './keyed-store.js'

interface LmdbPut extends Promise<boolean> {
  readonly flushed: Promise<void>
}
interface LmdbDb {
  put(key: unknown, value: unknown): LmdbPut
  remove(key: unknown): Promise<boolean>
  openDB(name: string, options?: object): LmdbDb
  close(): Promise<void>
}

/** Where `lmdb` is installed for this bench (it is not a dependency of slackgate). */
const lmdbDir = process.env.LMDB_DIR

export const lmdbAvailable = (): boolean => lmdbDir !== undefined && existsSync(join(lmdbDir, 'node_modules', 'lmdb'))

/**
 * LMDB through lmdb-js: writes of one turn batched into one transaction committed on its
 * own thread, with the sync after the commit (overlappingSync); a request waits for its
 * writes' `flushed`. Keys are decided in memory, as in every design; the key, the job and
 * the chained audit record are stored in three databases of one environment.
 */
export async function openLmdb(dir: string): Promise<AckStore> {
  const require = createRequire(join(lmdbDir as string, 'node_modules', 'lmdb', 'package.json'))
  const { open } = require('lmdb') as { open(options: object): LmdbDb }
  const root = open({ path: join(dir, 'lmdb'), compression: false, separateFlushed: true })
  const keysDb = root.openDB('keys')
  const jobs = root.openDB('jobs')
  const audit = root.openDB('audit', { keyEncoding: 'uint32' })
  let seq = 0
  let head = GENESIS_HASH
  const append = (record: AuditRecord): LmdbPut => {
    const prev = head
    head = chainHash(prev, record)
    return audit.put(++seq, [record, prev, head])
  }
  return keyedStore({
    async accept({ keys, expiresAt, job, record }) {
      const writes = [...keys.map((k) => keysDb.put(k, expiresAt)), jobs.put(job.id, job), append(record)]
      await Promise.all(writes.map((w) => w.flushed))
    },
    settle(job, record) {
      void jobs.remove(job.id)
      void append(record)
    },
    async close() {
      await root.close()
    },
  })
}

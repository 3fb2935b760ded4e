import type { AckStore } from './drive.js'
import { journalDesign } from './journal.js'
import { lmdbAvailable, openLmdb } from './lmdb.js'
import { openSqliteLean } from './sqlite-lean.js'
import { openSqliteWorker } from './sqlite-worker.js'
import { openToday } from './today.js'

interface Design {
  readonly summary: string
  readonly available: () => boolean
  readonly open: (dir: string) => Promise<AckStore>
}

const always = () => true

export const DESIGNS = {
  'sqlite-today': { summary: 'the gateway’s adapters: a closure and a promise per write, 5 writes per request', available: always, open: openToday },
  'sqlite-lean': { summary: 'same rows, one prepared transaction per batch, no savepoints', available: always, open: openSqliteLean },
  'sqlite-worker': { summary: 'sqlite-lean committed, hashed and synced on a worker thread', available: always, open: openSqliteWorker },
  journal: { summary: 'one append-only line per request, one write + fdatasync per batch', available: always, open: journalDesign(false) },
  'journal+index': { summary: 'journal, audit copied into SQLite every 200 ms for queries', available: always, open: journalDesign(true) },
  'records-only': { summary: 'floor: keys, job, audit record and chain hash built and serialised, nothing written', available: always, open: journalDesign(false, false) },
  lmdb: { summary: 'lmdb-js, batched commits on its thread, sync overlapped', available: lmdbAvailable, open: openLmdb },
} satisfies Record<string, Design>

export type DesignName = keyof typeof DESIGNS

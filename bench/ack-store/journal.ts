import { closeSync, fdatasync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { AUDIT_COLUMNS, columnValues } from '../../src/audit/audit-columns.js'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.js'
import type { Job } from '../../src/dispatch/job.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import type { AckStore } from './drive.js'
import { SyncGroups, TurnBatches } from './groups.js'
import { keyedStore } from './keyed-store.js'

interface Line {
  readonly text: string
  readonly settle?: (err: Error | null) => void
}

/**
 * An append-only journal: a request is one line (its keys, its job, its chained audit
 * record), a batch is one write(2) and one fdatasync; keys and jobs live in memory (rebuilt
 * from the journal at start, not measured here). With `index`, the audit records are also
 * copied into SQLite every 200 ms in one transaction that nothing waits for, so that the
 * log stays queryable (`slackgate audit query`): the journal is what makes them durable.
 * Without `write`, the lines are built and dropped: the work every design shares (keys,
 * the job, the record and its chain hash, serialised), the floor under all of them.
 */
export function journalDesign(index: boolean, write = true) {
  return async function openJournal(dir: string): Promise<AckStore> {
    const fd = openSync(join(dir, 'journal.log'), 'a')
    const groups = new SyncGroups((done) => (write ? fdatasync(fd, done) : setImmediate(done, null)))
    const batches = new TurnBatches<Line>((lines) => {
      if (write) writeSync(fd, lines.map((l) => l.text).join(''))
      groups.afterNextSync((err) => {
        for (const l of lines) l.settle?.(err)
      })
    })
    let head = GENESIS_HASH
    let seq = 0
    const toIndex: Array<[number, AuditRecord, string, string]> = []
    const chain = (record: AuditRecord): string => {
      const prev = head
      head = chainHash(prev, record)
      if (index) toIndex.push([++seq, record, prev, head])
      return head
    }
    let stopIndex = () => undefined as void
    if (index) {
      const { handle, close } = openSqliteDatabase(join(dir, 'index.db'))
      handle.exec(`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, ${AUDIT_COLUMNS.join(', ')}, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX audit_log_at ON audit_log (at);`)
      const insert = handle.prepare(`INSERT INTO audit_log VALUES (${Array(AUDIT_COLUMNS.length + 3).fill('?').join(', ')})`)
      const copy = handle.transaction((rows: typeof toIndex) => {
        for (const [s, record, prev, hash] of rows) insert.run(s, ...columnValues(record), prev, hash)
      })
      const timer = setInterval(() => copy(toIndex.splice(0)), 200)
      stopIndex = () => {
        clearInterval(timer)
        close()
      }
    }
    // The journal is the record of jobs; those not yet delivered are also kept in memory.
    const jobs = new Map<string, Job>()
    return keyedStore({
      accept({ keys, expiresAt, job, record }) {
        jobs.set(job.id, job)
        const text = `${JSON.stringify(['job', keys, expiresAt, job, record, chain(record)])}\n`
        return new Promise<void>((resolve, reject) => batches.add({ text, settle: (err) => (err === null ? resolve() : reject(err)) }))
      },
      settle(job, record) {
        jobs.delete(job.id)
        batches.add({ text: `${JSON.stringify(['done', job.id, record, chain(record)])}\n` })
      },
      async close() {
        batches.close()
        stopIndex()
        closeSync(fd)
      },
    })
  }
}

import { AUDIT_COLUMNS, columnValues } from '../../src/audit/audit-columns.js'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.js'
import type { SqliteHandle } from '../../src/storage/sqlite-handle.js'
import type { AcceptRows } from './keyed-store.js'

/** A write of the lean designs: a request's rows, or a delivered job's (plain data: it may cross to a worker). */
export type LeanWrite =
  | { readonly kind: 'accept'; readonly keys: readonly string[]; readonly expiresAt: number; readonly id: string; readonly route: string; readonly payload: unknown; readonly enqueuedAt: number; readonly record: AuditRecord }
  | { readonly kind: 'settle'; readonly id: string; readonly record: AuditRecord }

/** The lean write of a request's rows. */
export function acceptWrite({ keys, expiresAt, job, record }: AcceptRows): LeanWrite {
  return { kind: 'accept', keys, expiresAt, id: job.id, route: job.route, payload: job.payload, enqueuedAt: job.enqueuedAt, record }
}

/**
 * The rows today's adapters write, in tables like theirs (keys appended in expiry order, the
 * job with the index the queue's scan needs, the chained audit record), committed as one
 * prepared transaction per batch: no savepoint, no closure or promise per statement.
 */
export function leanCommitter(handle: SqliteHandle): (writes: LeanWrite[]) => void {
  handle.exec(`
    CREATE TABLE keys (key TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX keys_expires_at ON keys (expires_at);
    CREATE TABLE jobs (id TEXT PRIMARY KEY, route TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, run_at INTEGER NOT NULL, payload TEXT NOT NULL, enqueued_at INTEGER NOT NULL);
    CREATE INDEX jobs_due ON jobs (state, run_at);
    CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, ${AUDIT_COLUMNS.join(', ')}, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX audit_log_at ON audit_log (at);
  `)
  const insertKey = handle.prepare('INSERT INTO keys (key, expires_at) VALUES (?, ?)')
  const insertJob = handle.prepare(`INSERT INTO jobs (id, route, state, attempts, run_at, payload, enqueued_at) VALUES (?, ?, 'queued', 0, ?, ?, ?)`)
  const deleteJob = handle.prepare('DELETE FROM jobs WHERE id = ?')
  const insertAudit = handle.prepare(`INSERT INTO audit_log VALUES (${Array(AUDIT_COLUMNS.length + 3).fill('?').join(', ')})`)
  let seq = 0
  let head = GENESIS_HASH
  const append = (record: AuditRecord) => {
    const hash = chainHash(head, record)
    insertAudit.run(++seq, ...columnValues(record), head, hash)
    head = hash
  }
  return handle.transaction((writes: LeanWrite[]) => {
    for (const w of writes) {
      if (w.kind === 'settle') {
        deleteJob.run(w.id)
        append(w.record)
        continue
      }
      for (const key of w.keys) insertKey.run(key, w.expiresAt)
      insertJob.run(w.id, w.route, Date.now() + 300_000, JSON.stringify(w.payload), w.enqueuedAt)
      append(w.record)
    }
  }) as (writes: LeanWrite[]) => void
}

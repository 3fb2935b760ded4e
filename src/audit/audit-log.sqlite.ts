import type { SqliteDatabase } from '../storage/sqlite-database.js'
import { AUDIT_COLUMNS, auditQueryFilter, columnValues, recordFromRow } from './audit-columns.js'
import type { AuditLog, AuditQuery } from './audit-log.js'
import { chainHash, GENESIS_HASH } from './chain.js'
import { AuditUnavailableError } from './errors.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  ${AUDIT_COLUMNS.map((c) => `${c} ${c === 'at' || c === 'attempt' ? 'INTEGER' : 'TEXT'}`).join(',\n  ')},
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`

/**
 * The embedded AuditLog, in the gateway's SQLite file. An append is one group-commit
 * operation: it links the record to the chain head and inserts it inside the batch's
 * transaction, so the chain follows commit order and a batch that fails leaves no gap.
 * Sharing the file with the queue, a request's record commits and syncs in the same batches
 * as the jobs: no fsync of its own. One process writes the file (the process lock), so there
 * is one chain. Triggers refuse UPDATE and DELETE; `slackgate audit verify` catches what
 * gets past them.
 */
export function createSqliteAuditLog(database: SqliteDatabase): AuditLog {
  const { handle, writer } = database
  handle.exec(SCHEMA)
  const headStmt = handle.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
  const insert = handle.prepare(
    `INSERT INTO audit_log (seq, ${AUDIT_COLUMNS.join(', ')}, prev_hash, hash) VALUES (${Array(AUDIT_COLUMNS.length + 3).fill('?').join(', ')})`,
  )
  const ping = handle.prepare('SELECT 1')
  // The head as this process last wrote it (it is the only writer: the process lock). Read
  // from the table when unknown; forgotten whenever a write fails, since its batch may have
  // rolled back: the next append reads it again.
  let head: { seq: number; hash: string } | undefined | null = null
  const readHead = () => (head = (headStmt.get() as { seq: number; hash: string } | undefined) ?? undefined)

  return {
    append(record) {
      return writer
        .run(
          () => {
            const last = head === null ? readHead() : head
            const prevHash = last?.hash ?? GENESIS_HASH
            const next = { seq: (last?.seq ?? 0) + 1, hash: chainHash(prevHash, record) }
            insert.run(next.seq, ...columnValues(record), prevHash, next.hash)
            head = next
          },
          { atomic: true },
        )
        .catch((cause: unknown) => {
          head = null
          throw new AuditUnavailableError({ cause })
        })
    },
    async read(query: AuditQuery) {
      const { sql, params } = selectFor(query)
      return (handle.prepare(sql).all(...params) as Array<Record<string, unknown>>).map(recordFromRow)
    },
    async head() {
      const row = headStmt.get() as { seq: number; hash: string } | undefined
      return row === undefined ? undefined : { seq: row.seq, hash: row.hash }
    },
    async ping() {
      ping.get()
      writer.assertWritable()
    },
    async close() {},
  }
}

function selectFor(query: AuditQuery): { sql: string; params: Array<string | number> } {
  const { where, order, params } = auditQueryFilter(query, () => '?')
  return { sql: `SELECT * FROM audit_log ${where} ORDER BY seq ${order} LIMIT ?`, params }
}

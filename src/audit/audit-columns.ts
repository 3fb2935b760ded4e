import { AUDIT_FIELDS, type AuditRecord, type StoredAuditRecord } from './audit-record.js'
import type { AuditQuery } from './audit-log.js'

/** The column each field is stored in: its name in snake_case. */
export const AUDIT_COLUMNS = AUDIT_FIELDS.map((f) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))

/** A record's values in column order; nonce keys as JSON text. */
export function columnValues(record: AuditRecord): Array<string | number | null> {
  return AUDIT_FIELDS.map((field) => {
    const value = record[field]
    if (value === undefined) return null
    return Array.isArray(value) ? JSON.stringify(value) : (value as string | number)
  })
}

/** A stored row back into a record: absent columns are left out, as they were written. */
export function recordFromRow(row: Readonly<Record<string, unknown>>): StoredAuditRecord {
  const out: Record<string, unknown> = { seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash }
  AUDIT_FIELDS.forEach((field, i) => {
    const value = row[AUDIT_COLUMNS[i] as string]
    if (value === null || value === undefined) return
    if (field === 'nonceKeys') out[field] = JSON.parse(String(value)) as string[]
    else if (field === 'at' || field === 'attempt') out[field] = Number(value)
    else out[field] = value
  })
  return out as unknown as StoredAuditRecord
}

/**
 * The WHERE clause and parameters of an audit query, shared by the adapters; `placeholder`
 * writes the n-th parameter in the engine's syntax (`?` or `$n`). The limit is the last one.
 */
export function auditQueryFilter(
  query: AuditQuery,
  placeholder: (n: number) => string,
): { readonly where: string; readonly order: 'ASC' | 'DESC'; readonly params: Array<string | number> } {
  const clauses: string[] = []
  const params: Array<string | number> = []
  const add = (column: string, op: string, value: string | number | undefined) => {
    if (value === undefined) return
    params.push(value)
    clauses.push(`${column} ${op} ${placeholder(params.length)}`)
  }
  const newestFirst = query.newestFirst === true
  add('seq', newestFirst ? '<' : '>', query.afterSeq)
  add('at', '>=', query.since)
  add('at', '<', query.until)
  add('team_id', '=', query.teamId)
  add('channel_id', '=', query.channelId)
  add('user_id', '=', query.userId)
  add('route', '=', query.route)
  add('verdict', '=', query.verdict)
  add('reason', '=', query.reason)
  add('kind', '=', query.kind)
  add('job_id', '=', query.jobId)
  params.push(query.limit)
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, order: newestFirst ? 'DESC' : 'ASC', params }
}

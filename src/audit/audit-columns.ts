import { AUDIT_FIELDS, type AuditRecord, type StoredAuditRecord } from './audit-record.js'

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

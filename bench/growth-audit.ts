import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteAuditLog } from '../src/audit/audit-log.sqlite.js'
import type { AuditRecord } from '../src/audit/audit-record.js'
import { queryAudit, verifyAudit } from '../src/cli/audit.js'
import { openSqliteDatabase } from '../src/storage/sqlite-database.js'

export interface AuditGrowthRow {
  readonly records: number
  /** Appends per second while filling (group commit, 1,000 in flight). */
  readonly appendsPerSecond: number
  /** `slackgate audit verify` over the whole chain. */
  readonly verifyMs: number
  /** `slackgate audit query` for one day of the 30 the records span. */
  readonly oneDayQueryMs: number
  readonly oneDayRecords: number
}

const DAY = 86_400_000
const T0 = Date.parse('2026-10-01T00:00:00Z')

/** An embedded audit log of `count` request records over 30 days: verify and a one-day query. */
export async function sqliteAuditGrowth(count: number): Promise<AuditGrowthRow> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bench-audit-'))
  try {
    const db = openSqliteDatabase(join(dir, 'slackgate.db'))
    const log = createSqliteAuditLog(db)
    const record = (i: number): AuditRecord => ({
      at: T0 + Math.floor((i * 30 * DAY) / count),
      kind: 'request',
      requestId: `0193a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`,
      source: 'commands',
      verdict: i % 50 === 0 ? 'denied' : 'accepted',
      type: '/deploy',
      teamId: `T00${i % 7}`,
      channelId: 'C2147483705',
      userId: `U${String(i % 5000).padStart(8, '0')}`,
      route: 'deploy',
      rule: 'deployers',
      nonceKeys: [`sig#${String(i).padStart(32, '0')}`, `trigger:${i}.${i}.abc`],
      jobId: `0193a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`,
      bodySha256: String(i).padStart(64, '0'),
    })
    const fillStart = performance.now()
    for (let i = 0; i < count; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, count - i) }, (_, k) => log.append(record(i + k))))
    }
    const appendsPerSecond = Math.round(count / ((performance.now() - fillStart) / 1000))

    const verifyStart = performance.now()
    const verified = await verifyAudit(log)
    const verifyMs = Math.round(performance.now() - verifyStart)
    if (!verified.ok || verified.records !== count) throw new Error(`verify failed: ${JSON.stringify(verified)}`)

    const day = new Date(T0 + 14 * DAY).toISOString().slice(0, 10)
    const next = new Date(T0 + 15 * DAY).toISOString().slice(0, 10)
    const queryStart = performance.now()
    let oneDayRecords = 0
    for await (const _ of queryAudit(log, { since: day, until: next, format: 'jsonl' })) oneDayRecords++
    const oneDayQueryMs = Math.round(performance.now() - queryStart)
    db.close()
    return { records: count, appendsPerSecond, verifyMs, oneDayQueryMs, oneDayRecords }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

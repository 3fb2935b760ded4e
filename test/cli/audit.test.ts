import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeEach, describe, expect, it } from 'vitest'
import { createSqliteAuditLog } from '../../src/audit/audit-log.sqlite.js'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { chainHash } from '../../src/audit/chain.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { runCli } from '../helpers/cli.js'

const T0 = Date.parse('2026-11-20T00:00:00Z')
const DAY = 86_400_000

let dir: string
let file: string
let dbPath: string

/** 20 records over 4 days: teams T1/T2 alternating, every 5th one denied. */
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-audit-cli-'))
  dbPath = join(dir, 'data', 'slackgate.db')
  file = join(dir, 'slackgate.yaml')
  writeFileSync(file, 'dataDir: ./data\n')
  const db = openSqliteDatabase(dbPath)
  const log = createSqliteAuditLog(db)
  for (let i = 1; i <= 20; i++) {
    await log.append({
      at: T0 + Math.floor((i - 1) / 5) * DAY,
      kind: i === 20 ? 'lifecycle' : 'request',
      requestId: `r${i}`,
      source: 'commands',
      verdict: i % 5 === 0 ? 'denied' : 'accepted',
      type: i === 3 ? '=cmd|calc' : '/deploy',
      teamId: i % 2 === 0 ? 'T2' : 'T1',
      userId: `U${i}`,
      outcome: i === 4 ? 'said "no", then left' : undefined,
      ...(i === 10 && { channelId: 'C10', route: 'deploy', reason: 'user_not_allowed', jobId: 'job-10' }),
    })
  }
  db.close()
})

const audit = (...args: string[]) => runCli(['audit', ...args, '--config', file])
const verify = (...args: string[]) => {
  const out = audit('verify', ...args)
  return { status: out.status, result: JSON.parse(out.stdout) as Record<string, unknown> }
}

/** A hostile edit with direct access to the file: the append-only triggers dropped first. */
function tamper(sql: (db: Database.Database) => void): void {
  const db = new Database(dbPath)
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete')
  sql(db)
  db.close()
}

describe('slackgate audit verify', () => {
  it('reports an intact chain with its head', () => {
    const { status, result } = verify()
    expect(status).toBe(0)
    expect(result).toEqual({ ok: true, records: 20, head: { seq: 20, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } })
  })

  it('finds an edited record, by position', () => {
    tamper((db) => db.prepare("UPDATE audit_log SET verdict = 'accepted' WHERE seq = 5").run())
    expect(verify()).toEqual({ status: 1, result: expect.objectContaining({ ok: false, problem: 'altered', seq: 5 }) })
  })

  it('finds an edited record even when its hash was recomputed, at the break', () => {
    tamper((db) => {
      const row = db.prepare('SELECT * FROM audit_log WHERE seq = 5').get() as { prev_hash: string }
      const forged: AuditRecord = { at: T0, kind: 'request', requestId: 'r5', source: 'commands', verdict: 'accepted', type: '/deploy', teamId: 'T1', userId: 'U5' }
      db.prepare("UPDATE audit_log SET verdict = 'accepted', hash = ? WHERE seq = 5").run(chainHash(row.prev_hash, forged))
    })
    expect(verify().result).toMatchObject({ ok: false, problem: 'deleted', seq: 6 })
  })

  it('finds a deleted record, by position, also when the rest were renumbered', () => {
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq = 5').run())
    expect(verify().result).toMatchObject({ ok: false, problem: 'deleted', seq: 5 })
    tamper((db) => {
      for (let seq = 6; seq <= 20; seq++) db.prepare('UPDATE audit_log SET seq = seq - 1 WHERE seq = ?').run(seq)
    })
    expect(verify().result).toMatchObject({ ok: false, problem: 'deleted', seq: 5 })
  })

  it('finds an inserted record, by position', () => {
    tamper((db) => {
      for (let seq = 20; seq >= 5; seq--) db.prepare('UPDATE audit_log SET seq = seq + 1 WHERE seq = ?').run(seq)
      const prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 4').get() as { hash: string }).hash
      const forged: AuditRecord = { at: T0, kind: 'request', verdict: 'accepted', type: '/deploy', teamId: 'T1', userId: 'UINTRUDER' }
      db.prepare('INSERT INTO audit_log (seq, at, kind, verdict, type, team_id, user_id, prev_hash, hash) VALUES (5, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        forged.at, forged.kind, forged.verdict, forged.type, forged.teamId, forged.userId, prev, chainHash(prev, forged),
      )
    })
    expect(verify().result).toMatchObject({ ok: false, problem: 'inserted', seq: 5 })
  })

  it('with an anchor, finds records cut from the end', () => {
    const { result } = verify()
    const head = result.head as { seq: number; hash: string }
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq >= 19').run())
    expect(verify().status).toBe(0)
    expect(verify('--anchor', `${head.seq}:${head.hash}`).result).toMatchObject({ ok: false, problem: 'truncated', seq: 19 })
    expect(audit('verify', '--anchor', 'nonsense').stderr).toContain('--anchor must be SEQ:HASH')
  })
})

describe('slackgate audit query, export and tail', () => {
  const lines = (out: { stdout: string }) => out.stdout.trim().split('\n').filter((l) => l !== '')
  const json = (out: { stdout: string }) => lines(out).map((l) => JSON.parse(l) as Record<string, unknown>)

  it('filters by team, user, verdict and a one-day window', () => {
    expect(json(audit('query', '--team', 'T2', '--verdict', 'denied')).map((r) => r.seq)).toEqual([10, 20])
    expect(json(audit('query', '--user', 'U7')).map((r) => r.requestId)).toEqual(['r7'])
    expect(json(audit('query', '--since', '2026-11-21', '--until', '2026-11-22')).map((r) => r.seq)).toEqual([6, 7, 8, 9, 10])
    expect(json(audit('query', '--kind', 'lifecycle')).map((r) => r.seq)).toEqual([20])
    expect(json(audit('query', '--channel', 'C10', '--route', 'deploy', '--reason', 'user_not_allowed', '--job', 'job-10')).map((r) => r.seq)).toEqual([10])
    expect(json(audit('query', '--route', 'other'))).toEqual([])
    expect(json(audit('query', '--limit', '2')).map((r) => r.seq)).toEqual([1, 2])
    expect(audit('query', '--since', 'yesterday').stderr).toContain('--since must be an ISO 8601 date')
  })

  it('exports JSON lines that verify, and CSV that a spreadsheet cannot execute', () => {
    expect(json(audit('export'))).toHaveLength(20)
    const csv = lines(audit('export', '--format', 'csv'))
    expect(csv[0]).toBe('seq,at,kind,requestId,source,verdict,reason,type,teamId,enterpriseId,channelId,userId,subject,route,rule,nonceKeys,jobId,target,attempt,outcome,bodySha256,payload,prevHash,hash')
    expect(csv).toHaveLength(21)
    expect(csv[3]).toContain(",'=cmd|calc,")
    expect(csv[4]).toContain(',"said ""no"", then left",')
  })

  it('tails the latest records', () => {
    expect(json(audit('tail', '-n', '3')).map((r) => r.seq)).toEqual([18, 19, 20])
  })

  it('says where it looked when there is no log', () => {
    writeFileSync(file, 'dataDir: ./elsewhere\n')
    const out = audit('verify')
    expect(out.status).toBe(2)
    expect(out.stderr).toContain('no audit log at')
  })
})

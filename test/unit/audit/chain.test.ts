import { describe, expect, it } from 'vitest'
import type { AuditRecord, StoredAuditRecord } from '../../../src/audit/audit-record.js'
import { canonicalRecord, chainHash, ChainVerifier, GENESIS_HASH } from '../../../src/audit/chain.js'

function chain(n: number): StoredAuditRecord[] {
  const out: StoredAuditRecord[] = []
  let prevHash = GENESIS_HASH
  for (let seq = 1; seq <= n; seq++) {
    const record: AuditRecord = { at: 1_800_000_000_000 + seq, kind: 'request', verdict: 'accepted', requestId: `r${seq}` }
    const hash = chainHash(prevHash, record)
    out.push({ ...record, seq, prevHash, hash })
    prevHash = hash
  }
  return out
}

const verify = (records: StoredAuditRecord[], anchor?: { seq: number; hash: string }) => {
  const v = new ChainVerifier()
  if (anchor !== undefined) for (const r of records) v.checkAnchor(r, anchor)
  v.push(records)
  return v.finish(anchor)
}

describe('the audit hash chain', () => {
  it('hashes a fixed canonical encoding: field order, absent fields as null, whatever built the object', () => {
    const a: AuditRecord = { kind: 'request', at: 1, verdict: 'accepted', teamId: 'T1' }
    const b: AuditRecord = { teamId: 'T1', verdict: 'accepted', at: 1, kind: 'request', userId: undefined }
    expect(canonicalRecord(GENESIS_HASH, a)).toBe(canonicalRecord(GENESIS_HASH, b))
    expect(canonicalRecord(GENESIS_HASH, a)).toBe(
      `["slackgate-audit-v1","${GENESIS_HASH}",1,"request",null,null,"accepted",null,null,"T1",null,null,null,null,null,null,null,null,null,null,null,null,null]`,
    )
    expect(chainHash(GENESIS_HASH, a)).toMatch(/^[0-9a-f]{64}$/)
    expect(chainHash(GENESIS_HASH, a)).not.toBe(chainHash(GENESIS_HASH, { ...a, teamId: 'T2' }))
  })

  it('verifies an intact chain, in pages', () => {
    const records = chain(10)
    const v = new ChainVerifier()
    expect(v.push(records.slice(0, 4))).toBe(true)
    expect(v.push(records.slice(4))).toBe(true)
    expect(v.finish()).toBeUndefined()
    expect(v.head).toEqual({ seq: 10, hash: records[9]?.hash })
  })

  it('finds an edit', () => {
    const records = chain(10)
    records[4] = { ...(records[4] as StoredAuditRecord), verdict: 'denied' }
    expect(verify(records)).toMatchObject({ problem: 'altered', seq: 5 })
  })

  it('finds a deletion: a gap, a renumbered chain, or the first record gone', () => {
    const gap = chain(10).filter((r) => r.seq !== 5)
    expect(verify(gap)).toMatchObject({ problem: 'deleted', seq: 5 })
    const renumbered = gap.map((r) => (r.seq > 5 ? { ...r, seq: r.seq - 1 } : r))
    expect(verify(renumbered)).toMatchObject({ problem: 'deleted', seq: 5 })
    const headless = chain(10).slice(1).map((r) => ({ ...r, seq: r.seq - 1 }))
    expect(verify(headless)).toMatchObject({ problem: 'deleted', seq: 1 })
  })

  it('finds an insertion', () => {
    const records = chain(10)
    const prev = records[3] as StoredAuditRecord
    const forged: AuditRecord = { at: 1, kind: 'request', verdict: 'accepted', userId: 'UINTRUDER' }
    const inserted = [...records.slice(0, 4), { ...forged, seq: 5, prevHash: prev.hash, hash: chainHash(prev.hash, forged) }, ...records.slice(4).map((r) => ({ ...r, seq: r.seq + 1 }))]
    expect(verify(inserted)).toMatchObject({ problem: 'inserted', seq: 5 })
  })

  it('with an anchor, finds a cut end and a chain rewritten before the anchor', () => {
    const records = chain(10)
    const anchor = { seq: 10, hash: records[9]?.hash as string }
    expect(verify(records, anchor)).toBeUndefined()
    expect(verify(records.slice(0, 8), anchor)).toMatchObject({ problem: 'truncated', seq: 9 })
    expect(verify(chain(10).map((r) => (r.seq === 10 ? { ...r, hash: 'f'.repeat(64) } : r)), anchor)).toMatchObject({ problem: 'altered', seq: 10 })
  })
})

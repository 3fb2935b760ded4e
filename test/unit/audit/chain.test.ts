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

describe('the audit chain verifier, in detail', () => {
  it('knows no head and no problem before any record', () => {
    const v = new ChainVerifier()
    expect([v.head, v.count, v.problem, v.finish()]).toEqual([undefined, 0, undefined, undefined])
  })

  it('calls an empty chain truncated when an anchor says it had records', () => {
    expect(new ChainVerifier().finish({ seq: 3, hash: 'a'.repeat(64) })).toEqual({ problem: 'truncated', seq: 1, detail: 'the chain ends before the anchored record 3' })
  })

  it('stops at the first problem: push answers false from then on, and the problem stays the first one', () => {
    const records = chain(6)
    records[1] = { ...(records[1] as StoredAuditRecord), verdict: 'denied' }
    records[4] = { ...(records[4] as StoredAuditRecord), verdict: 'denied' }
    const v = new ChainVerifier()
    expect(v.push(records.slice(0, 1))).toBe(true)
    expect(v.push(records.slice(1, 2))).toBe(false)
    expect(v.push(records.slice(2, 3))).toBe(false)
    expect(v.push(records.slice(3))).toBe(false)
    expect(v.problem).toEqual({ problem: 'altered', seq: 2, detail: 'its content does not match its hash' })
    expect(v.count).toBe(2)
    // A later anchor mismatch does not replace the first problem.
    v.checkAnchor({ ...(records[5] as StoredAuditRecord), hash: 'c'.repeat(64) }, { seq: 6, hash: records[5]?.hash as string })
    expect(v.problem).toMatchObject({ problem: 'altered', seq: 2 })
  })

  it('names an insertion with the record slipped in', () => {
    const records = chain(4)
    const forged: AuditRecord = { at: 1, kind: 'request', verdict: 'accepted' }
    const prev = records[1] as StoredAuditRecord
    const inserted = [...records.slice(0, 2), { ...forged, seq: 3, prevHash: prev.hash, hash: chainHash(prev.hash, forged) }, ...records.slice(2).map((r) => ({ ...r, seq: r.seq + 1 }))]
    const v = new ChainVerifier()
    v.push(inserted)
    expect(v.finish()).toEqual({ problem: 'inserted', seq: 3, detail: 'the record after it links past it' })
  })

  it('counts the records and keeps the last one as the head', () => {
    const records = chain(3)
    const v = new ChainVerifier()
    v.push(records)
    expect([v.count, v.head]).toEqual([3, { seq: 3, hash: records[2]?.hash }])
  })

  it('describes each problem', () => {
    const run = (records: StoredAuditRecord[]) => {
      const v = new ChainVerifier()
      v.push(records)
      return v.finish()
    }
    expect(run(chain(6).filter((r) => r.seq !== 3 && r.seq !== 4))).toEqual({ problem: 'deleted', seq: 3, detail: 'records 3 to 4 are missing' })
    expect(run(chain(4).slice(1).map((r) => ({ ...r, seq: r.seq - 1 })))).toEqual({
      problem: 'deleted',
      seq: 1,
      detail: 'the first record does not start the chain: records before it are missing',
    })
    const records = chain(4)
    const rewritten: AuditRecord = { at: 1, kind: 'request', verdict: 'accepted' }
    const second = records[1] as StoredAuditRecord
    records[1] = { ...rewritten, seq: 2, prevHash: second.prevHash, hash: chainHash(second.prevHash, rewritten) }
    expect(run(records)).toEqual({ problem: 'deleted', seq: 3, detail: 'the record here links to one that is no longer before it (deleted, or rewritten with a new hash)' })
  })

  it('checks only the record at the anchor\'s position against the anchor', () => {
    const records = chain(5)
    const anchor = { seq: 3, hash: records[2]?.hash as string }
    const v = new ChainVerifier()
    for (const r of records) v.checkAnchor(r, anchor)
    expect(v.problem).toBeUndefined()
    v.checkAnchor({ ...(records[2] as StoredAuditRecord), hash: 'b'.repeat(64) }, anchor)
    expect(v.problem).toEqual({
      problem: 'altered',
      seq: 3,
      detail: 'the record at the anchor does not have the anchored hash: the chain was rewritten from here or before',
    })
  })

  it('accepts a chain that ends exactly at its anchor, or past it', () => {
    const records = chain(5)
    for (const seq of [4, 5]) {
      const v = new ChainVerifier()
      v.push(records)
      expect(v.finish({ seq, hash: records[seq - 1]?.hash as string })).toBeUndefined()
    }
  })
})

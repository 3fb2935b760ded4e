import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditLog } from '../../src/audit/audit-log.js'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { ChainVerifier, GENESIS_HASH } from '../../src/audit/chain.js'

export interface AuditLogFixture {
  readonly log: AuditLog
  cleanup?(): Promise<void>
}

/** A request record, with every field set. */
export const fullRecord: AuditRecord = {
  at: 1_800_000_000_123,
  kind: 'request',
  requestId: 'req-1',
  source: 'commands',
  verdict: 'accepted',
  reason: 'none',
  type: '/deploy',
  teamId: 'T1',
  enterpriseId: 'E1',
  channelId: 'C1',
  userId: 'U1',
  subject: 'svc',
  route: 'deploy',
  rule: 'deployers',
  nonceKeys: ['trigger:1.2.3', 'sig#abc'],
  jobId: 'job-1',
  target: 'handler:deploy',
  attempt: 2,
  outcome: 'ok',
  bodySha256: 'f'.repeat(64),
  payload: '{"text":"prod"}',
}

export const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({ at: 1_800_000_000_000, kind: 'request', verdict: 'accepted', ...over })

/** Reads the whole log, oldest first, a page at a time. */
export async function readAll(log: AuditLog, page = 50) {
  const out = []
  for (let afterSeq = 0; ; ) {
    const rows = await log.read({ afterSeq, limit: page })
    out.push(...rows)
    if (rows.length < page) return out
    afterSeq = rows.at(-1)?.seq ?? afterSeq
  }
}

/** The behaviour every AuditLog adapter must show. */
export function describeAuditLog(name: string, setup: () => Promise<AuditLogFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`AuditLog contract: ${name}`, () => {
    let f: AuditLogFixture
    beforeEach(async () => {
      f = await setup()
    })
    afterEach(async () => {
      await f.log.close()
      await f.cleanup?.()
    })

    it('stores every field and reads it back as written', async () => {
      await f.log.append(fullRecord)
      await f.log.append(record({ verdict: 'rejected', reason: 'signature_mismatch' }))
      const [a, b] = await f.log.read({ limit: 10 })
      expect(a).toEqual({ ...fullRecord, seq: 1, prevHash: GENESIS_HASH, hash: expect.stringMatching(/^[0-9a-f]{64}$/) })
      // An absent field stays absent: it is hashed as null either way.
      expect(b).toEqual({ ...record({ verdict: 'rejected', reason: 'signature_mismatch' }), seq: 2, prevHash: a?.hash, hash: expect.any(String) })
    })

    it('chains every record to the one before it, in sequence, also under concurrent appends', async () => {
      await Promise.all(Array.from({ length: 120 }, (_, i) => f.log.append(record({ requestId: `r${i}` }))))
      const all = await readAll(f.log)
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
      const verifier = new ChainVerifier()
      verifier.push(all)
      expect(verifier.finish()).toBeUndefined()
      expect(new Set(all.map((r) => r.requestId)).size).toBe(120)
      expect(await f.log.head()).toEqual({ seq: 120, hash: all.at(-1)?.hash })
    })

    it('has no head while empty', async () => {
      expect(await f.log.head()).toBeUndefined()
      expect(await f.log.read({ limit: 10 })).toEqual([])
    })

    it('filters by time, team, channel, user, route, verdict, reason, kind and job, and pages both ways', async () => {
      const t = 1_800_000_000_000
      await f.log.append(record({ at: t, teamId: 'T1', userId: 'U1' }))
      await f.log.append(record({ at: t + 1000, teamId: 'T2', userId: 'U1', verdict: 'denied' }))
      await f.log.append(record({ at: t + 2000, teamId: 'T1', userId: 'U2', kind: 'delivery', verdict: 'delivered' }))
      await f.log.append(record({ at: t + 3000, teamId: 'T1', userId: 'U1', kind: 'lifecycle', verdict: 'recorded' }))
      const seqs = async (q: Parameters<AuditLog['read']>[0]) => (await f.log.read(q)).map((r) => r.seq)
      expect(await seqs({ since: t + 1000, until: t + 3000, limit: 10 })).toEqual([2, 3])
      expect(await seqs({ teamId: 'T1', limit: 10 })).toEqual([1, 3, 4])
      expect(await seqs({ userId: 'U1', teamId: 'T1', limit: 10 })).toEqual([1, 4])
      expect(await seqs({ verdict: 'denied', limit: 10 })).toEqual([2])
      expect(await seqs({ kind: 'lifecycle', limit: 10 })).toEqual([4])
      expect(await seqs({ afterSeq: 1, limit: 2 })).toEqual([2, 3])
      expect(await seqs({ newestFirst: true, limit: 2 })).toEqual([4, 3])
      expect(await seqs({ newestFirst: true, afterSeq: 3, limit: 10 })).toEqual([2, 1])
      await f.log.append(record({ at: t + 4000, teamId: 'T1', channelId: 'C9', userId: 'U1', route: 'deploy', reason: 'user_not_allowed', verdict: 'denied', jobId: 'job-5' }))
      expect(await seqs({ channelId: 'C9', limit: 10 })).toEqual([5])
      expect(await seqs({ route: 'deploy', reason: 'user_not_allowed', limit: 10 })).toEqual([5])
      expect(await seqs({ jobId: 'job-5', limit: 10 })).toEqual([5])
      expect(await seqs({ jobId: 'job-6', limit: 10 })).toEqual([])
    })

    it('answers ping', async () => {
      await expect(f.log.ping()).resolves.toBeUndefined()
    })
  })
}

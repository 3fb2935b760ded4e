import { createHash } from 'node:crypto'
import { AUDIT_FIELDS, type AuditRecord, type StoredAuditRecord } from './audit-record.js'

/** The `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * The canonical encoding a record's hash is taken over: a JSON array of the format version,
 * the previous record's hash, then every field in `AUDIT_FIELDS` order (null when absent).
 * An array of primitives has one JSON text, whatever built the object. The sequence number
 * is not part of it: it is a position, checked for gaps; the links are the hashes.
 */
export function canonicalRecord(prevHash: string, record: AuditRecord): string {
  const values: unknown[] = ['slackgate-audit-v1', prevHash]
  for (const field of AUDIT_FIELDS) values.push(record[field] ?? null)
  return JSON.stringify(values)
}

/** SHA-256 (hex) over the canonical encoding: what links a record to the one before it. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(canonicalRecord(prevHash, record)).digest('hex')
}

/** What `verifyChain` found wrong first, and where. */
export interface ChainProblem {
  readonly problem: 'altered' | 'inserted' | 'deleted' | 'truncated'
  /** The sequence number of the record concerned (for `deleted`, of the first one missing). */
  readonly seq: number
  readonly detail: string
}

export interface ChainAnchor {
  readonly seq: number
  readonly hash: string
}

/**
 * Walks a chain in sequence order, a page at a time, and keeps the first problem:
 * - `altered`: a record's content no longer hashes to its stored hash;
 * - `inserted`: the record after it links past it, to its predecessor (it was slipped in);
 * - `deleted`: a gap in the sequence, or a record linking to one that is no longer there
 *   (renumbered after a deletion, or a predecessor rewritten with a new hash);
 * - `truncated` (only with an anchor): the chain ends before, or differs at, a head that was
 *   recorded earlier (from `/healthz` or a previous verify).
 */
export class ChainVerifier {
  #expectedSeq = 1
  #prevHash = GENESIS_HASH
  /** The hash the previous record itself linked to. */
  #prevPrev: string | undefined
  #count = 0
  #problem: ChainProblem | undefined

  get problem(): ChainProblem | undefined {
    return this.#problem
  }

  get count(): number {
    return this.#count
  }

  get head(): ChainAnchor | undefined {
    return this.#count === 0 ? undefined : { seq: this.#expectedSeq - 1, hash: this.#prevHash }
  }

  /** Feeds the next records; returns false once a problem is found (stop reading). */
  push(records: readonly StoredAuditRecord[]): boolean {
    for (const r of records) {
      if (this.#problem !== undefined) return false
      this.#problem = this.#check(r)
      this.#prevPrev = r.prevHash
      this.#prevHash = r.hash
      this.#expectedSeq = r.seq + 1
      this.#count++
    }
    return this.#problem === undefined
  }

  /** After the last page: checks the end of the chain against an anchor, if one is given. */
  finish(anchor?: ChainAnchor): ChainProblem | undefined {
    if (this.#problem !== undefined || anchor === undefined) return this.#problem
    const head = this.head
    if (head === undefined || head.seq < anchor.seq) {
      this.#problem = { problem: 'truncated', seq: (head?.seq ?? 0) + 1, detail: `the chain ends before the anchored record ${anchor.seq}` }
    }
    return this.#problem
  }

  /** Checks the record at the anchor's position, when the walk passes it. */
  checkAnchor(record: StoredAuditRecord, anchor: ChainAnchor): void {
    if (this.#problem === undefined && record.seq === anchor.seq && record.hash !== anchor.hash) {
      this.#problem = { problem: 'altered', seq: record.seq, detail: 'the record at the anchor does not have the anchored hash: the chain was rewritten from here or before' }
    }
  }

  #check(r: StoredAuditRecord): ChainProblem | undefined {
    if (r.seq > this.#expectedSeq) {
      return { problem: 'deleted', seq: this.#expectedSeq, detail: `records ${this.#expectedSeq} to ${r.seq - 1} are missing` }
    }
    if (chainHash(r.prevHash, r) !== r.hash) return { problem: 'altered', seq: r.seq, detail: 'its content does not match its hash' }
    if (r.prevHash === this.#prevHash) return undefined
    if (this.#count === 0) return { problem: 'deleted', seq: r.seq, detail: 'the first record does not start the chain: records before it are missing' }
    // Linked past the previous record: that one was slipped in.
    if (r.prevHash === this.#prevPrev) return { problem: 'inserted', seq: r.seq - 1, detail: 'the record after it links past it' }
    return { problem: 'deleted', seq: r.seq, detail: `the record here links to one that is no longer before it (deleted, or rewritten with a new hash)` }
  }
}

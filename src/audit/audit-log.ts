import type { AuditRecord, StoredAuditRecord } from './audit-record.js'

export interface AuditQuery {
  /** Paging cursor: only records after this sequence number (before it, with `newestFirst`). */
  readonly afterSeq?: number
  /** Epoch ms, inclusive. */
  readonly since?: number
  /** Epoch ms, exclusive. */
  readonly until?: number
  readonly teamId?: string
  readonly channelId?: string
  readonly userId?: string
  readonly route?: string
  readonly verdict?: string
  readonly reason?: string
  readonly kind?: string
  readonly jobId?: string
  /** Newest first (for `tail`); oldest first otherwise. */
  readonly newestFirst?: boolean
  readonly limit: number
}

/**
 * The AuditLog port: an append-only, hash-chained record of every request, delivery and
 * lifecycle event. `append` resolves only once the record is durable, and rejects when the
 * log cannot be written (the gateway then answers 503: fail closed). Appends are batched:
 * many requests share one commit and one sync, never one each. Each adapter keeps a single
 * chain across every writer (see the adapters for how).
 */
export interface AuditLog {
  append(record: AuditRecord): Promise<void>
  read(query: AuditQuery): Promise<StoredAuditRecord[]>
  /** The last record's place and hash: the chain head, for `/healthz` and anchoring. */
  head(): Promise<{ readonly seq: number; readonly hash: string } | undefined>
  ping(): Promise<void>
  close(): Promise<void>
}

import type { AuditRecord } from '../../src/audit/audit-record.js'
import { newJobId } from '../../src/dispatch/job-id.js'
import type { Job } from '../../src/dispatch/job.js'
import { ExpiringKeys } from '../../src/storage/expiring-keys.js'
import type { AckStore } from './drive.js'
import { acceptedRecord, claimKeys, deliveredRecord, jobOf, KEY_TTL_MS } from './records.js'

/** What a request stores before its 200. */
export interface AcceptRows {
  readonly keys: readonly string[]
  readonly expiresAt: number
  readonly job: Job
  readonly record: AuditRecord
}

/** How a design persists: the only part in which the spiked designs differ. */
export interface Persistence {
  /** Resolves once the rows are on disk. */
  accept(rows: AcceptRows): Promise<void>
  /** The job delivered: settle it and record the delivery; nothing waits for it. */
  settle(job: Job, record: AuditRecord): void
  close(): Promise<void>
}

/**
 * An AckStore over a persistence: keys decided in memory (as the gateway decides them: the
 * process holds the file's lock), the job and its audit record built as the gateway builds
 * them, and the no-op handler's delivery settled once the request is durable.
 */
export function keyedStore(persistence: Persistence): AckStore {
  const memory = new ExpiringKeys(2_000_000)
  let delivered = 0
  return {
    async accept(sim) {
      const at = Date.now()
      const keys = claimKeys(memory, sim, at)
      if (keys === undefined) return 'duplicate'
      const job = jobOf(sim, newJobId())
      await persistence.accept({ keys, expiresAt: at + KEY_TTL_MS, job, record: acceptedRecord(sim, job.id) })
      void Promise.resolve().then(() => {
        persistence.settle(job, deliveredRecord(job))
        delivered++
      })
      return 'accepted'
    },
    delivered: () => delivered,
    close: () => persistence.close(),
  }
}

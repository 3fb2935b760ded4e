import { deliveryRecord, requestRecord } from '../../src/audit/records.js'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import type { Job } from '../../src/dispatch/job.js'
import type { JobPayload } from '../../src/dispatch/job-payload.js'
import type { ExpiringKeys } from '../../src/storage/expiring-keys.js'
import type { SimRequest } from './requests.js'

export const ROUTE = 'deploy'
export const KEY_TTL_MS = 300_000

/** The request's audit record, as the gateway writes it for an accepted request. */
export function acceptedRecord(sim: SimRequest, jobId: string): AuditRecord {
  return requestRecord({ at: Date.now(), requestId: sim.requestId, source: 'commands', verdict: 'accepted', request: sim.request, route: ROUTE, keys: sim.keys, jobId, body: sim.body })
}

/** The job a design stores for the request, as the gateway's admission builds it. */
export function jobOf(sim: SimRequest, id: string): Job {
  const payload: JobPayload = { requestId: sim.requestId, receivedAt: sim.receivedAt, request: sim.request }
  return { id, route: ROUTE, attempt: 1, maxAttempts: 5, enqueuedAt: Date.now(), payload }
}

/** The delivery's audit record, as the gateway's consumer writes it. */
export function deliveredRecord(job: Job): AuditRecord {
  return deliveryRecord(job, `handler:${ROUTE}`, { ok: true }, Date.now())
}

/**
 * Claims a request's keys in memory, as every design decides them: all first, or none kept.
 * Returns the keys, or undefined for a duplicate.
 */
export function claimKeys(memory: ExpiringKeys, sim: SimRequest, at: number): string[] | undefined {
  const keys = [...sim.keys.others, sim.keys.primary]
  for (const [i, key] of keys.entries()) {
    if (memory.claim(key, at, at + KEY_TTL_MS) !== 'first') {
      for (const k of keys.slice(0, i)) memory.forget(k)
      return undefined
    }
  }
  return keys
}

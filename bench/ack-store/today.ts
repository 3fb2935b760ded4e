import { join } from 'node:path'
import { createSqliteAuditLog } from '../../src/audit/audit-log.sqlite.js'
import { deliveryRecord, requestRecord } from '../../src/audit/records.js'
import { createAdmission } from '../../src/dispatch/admit.js'
import { createSqliteJobQueue } from '../../src/dispatch/job-queue.sqlite.js'
import { createSqliteNonceStore } from '../../src/replay/nonce-store.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import type { AckStore } from './drive.js'

const ROUTE = { name: 'deploy', retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 } }

/**
 * The gateway's embedded stores as they are: the same adapters, wired as open-stores.ts and
 * create-gateway.ts wire them (claims that join the job's batch, the request's audit record
 * written when its job is queued, the consumer's delivery record), on one SQLite file.
 */
export async function openToday(dir: string): Promise<AckStore> {
  const database = openSqliteDatabase(join(dir, 'slackgate.db'))
  const nonces = createSqliteNonceStore(database, { durableClaims: false })
  const queue = createSqliteJobQueue(database)
  const audit = createSqliteAuditLog(database)
  const admit = createAdmission({ nonces, queue, router: () => ROUTE as never, ttlSeconds: 300 })
  let delivered = 0
  const consumer = queue.consume(
    async (job) => {
      const outcome = { ok: true } as const
      void audit.append(deliveryRecord(job, 'handler:deploy', outcome, Date.now()))
      delivered++
      return outcome
    },
    { concurrency: 32 },
  )
  return {
    async accept(sim) {
      const admission = await admit({
        request: sim.request,
        keys: sim.keys,
        requestId: sim.requestId,
        receivedAt: sim.receivedAt,
        onAccepted: (a) =>
          void audit.append(
            requestRecord({ at: Date.now(), requestId: sim.requestId, source: 'commands', verdict: 'accepted', request: sim.request, route: a.route, keys: sim.keys, jobId: a.jobId, body: sim.body }),
          ),
      })
      return admission.verdict === 'accepted' ? 'accepted' : 'duplicate'
    },
    delivered: () => delivered,
    async close() {
      await consumer.stop()
      database.close()
    },
  }
}

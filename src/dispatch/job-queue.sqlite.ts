import type { SqliteDatabase } from '../storage/sqlite-database.js'
import { retryDelayMs } from './backoff.js'
import type { DeliveryOutcome, Job, JobInfo, JobState } from './job.js'
import type { ConsumeOptions, EnqueueResult, JobConsumer, JobHandler, JobQueue } from './job-queue.js'

export interface SqliteJobQueueOptions {
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
  readonly random?: () => number
  /** How often consumers look for due jobs besides being woken by an enqueue (default 250 ms). */
  readonly pollIntervalMs?: number
  /**
   * How long a taken job stays with its consumer before another may take it (default 5 min).
   * Jobs left active by a crashed process are requeued when a consumer starts.
   */
  readonly leaseMs?: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'active', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_base_ms INTEGER NOT NULL,
  backoff_max_ms INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  payload TEXT NOT NULL,
  last_error TEXT,
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at);
CREATE TABLE IF NOT EXISTS job_keys (
  key TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS job_keys_expires_at ON job_keys (expires_at);
`

interface JobRow {
  id: string
  route: string
  state: JobState
  attempts: number
  max_attempts: number
  backoff_base_ms: number
  backoff_max_ms: number
  payload: string
  last_error: string | null
  enqueued_at: number
}

/**
 * The embedded JobQueue, in the same SQLite file as the nonces. Every write goes through
 * the group-commit writer, so an enqueue is on disk when it resolves, without one fsync
 * per request. Idempotency keys are claimed in the same transaction as the insert.
 */
export function createSqliteJobQueue(database: SqliteDatabase, options: SqliteJobQueueOptions = {}): JobQueue {
  const { handle, writer } = database
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const pollIntervalMs = options.pollIntervalMs ?? 250
  const leaseMs = options.leaseMs ?? 5 * 60_000
  handle.exec(SCHEMA)

  const claimKey = handle.prepare(
    `INSERT INTO job_keys (key, job_id, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET job_id = excluded.job_id, expires_at = excluded.expires_at
     WHERE job_keys.expires_at <= ?`,
  )
  const insertJob = handle.prepare(
    `INSERT INTO jobs (id, route, state, attempts, max_attempts, backoff_base_ms, backoff_max_ms, run_at, payload, enqueued_at)
     VALUES (?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?)`,
  )
  // Two index-friendly lookups rather than one OR: leases that ran out, then due jobs.
  const expiredLeases = handle.prepare(`SELECT id FROM jobs WHERE state = 'active' AND lease_until <= ? LIMIT ?`)
  const dueJobs = handle.prepare(`SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at LIMIT ?`)
  const takeJob = handle.prepare(
    `UPDATE jobs SET state = 'active', attempts = attempts + 1, lease_until = ? WHERE id = ? RETURNING *`,
  )
  const completeJob = handle.prepare(`DELETE FROM jobs WHERE id = ? AND state = 'active'`)
  const rescheduleJob = handle.prepare(
    `UPDATE jobs SET state = 'queued', run_at = ?, lease_until = NULL, last_error = ? WHERE id = ? AND state = 'active'`,
  )
  const buryJob = handle.prepare(
    `UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = ? WHERE id = ? AND state = 'active'`,
  )
  const requeueActive = handle.prepare(`UPDATE jobs SET state = 'queued', run_at = ?, lease_until = NULL WHERE state = 'active'`)
  const retryDead = handle.prepare(
    `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, last_error = NULL WHERE id = ? AND state = 'dead'`,
  )
  const dropJob = handle.prepare(`DELETE FROM jobs WHERE id = ? AND state IN ('dead', 'queued')`)
  const listAll = handle.prepare(`SELECT * FROM jobs ORDER BY enqueued_at, id LIMIT ?`)
  const listByState = handle.prepare(`SELECT * FROM jobs WHERE state = ? ORDER BY enqueued_at, id LIMIT ?`)
  const purgeKeys = handle.prepare(
    'DELETE FROM job_keys WHERE key IN (SELECT key FROM job_keys WHERE expires_at <= ? LIMIT 10000)',
  )
  const backoffOf = handle.prepare('SELECT backoff_base_ms, backoff_max_ms FROM jobs WHERE id = ?')
  const ping = handle.prepare('SELECT 1')

  const wakers = new Set<() => void>()
  const purgeTimer = setInterval(() => void writer.run(() => purgeKeys.run(now())).catch(() => undefined), 60_000).unref()

  function take(limit: number): Promise<Job[]> {
    return writer.run(() => {
      const at = now()
      const ids = expiredLeases.all(at, limit) as Array<{ id: string }>
      if (ids.length < limit) ids.push(...(dueJobs.all(at, limit - ids.length) as Array<{ id: string }>))
      return ids.map(({ id }) => toJob(takeJob.get(at + leaseMs, id) as JobRow))
    })
  }

  function settle(job: Job, outcome: DeliveryOutcome): Promise<unknown> {
    return writer.run(() => {
      if (outcome.ok) return completeJob.run(job.id)
      const error = outcome.error.slice(0, 2000)
      if (outcome.permanent || job.attempt >= job.maxAttempts) return buryJob.run(error, job.id)
      const row = backoffOf.get(job.id) as Pick<JobRow, 'backoff_base_ms' | 'backoff_max_ms'> | undefined
      if (row === undefined) return undefined
      const delay = retryDelayMs(job.attempt, { baseDelayMs: row.backoff_base_ms, maxDelayMs: row.backoff_max_ms }, random)
      return rescheduleJob.run(now() + delay, error, job.id)
    })
  }

  return {
    enqueue(job) {
      const payload = JSON.stringify(job.payload)
      const result = writer.run((): EnqueueResult => {
        const at = now()
        if (claimKey.run(job.idempotencyKey, job.id, at + job.idempotencyTtlSeconds * 1000, at).changes === 0) return 'duplicate'
        insertJob.run(job.id, job.route, job.maxAttempts, job.backoff.baseDelayMs, job.backoff.maxDelayMs, at, payload, at)
        return 'enqueued'
      })
      void result.then((r) => r === 'enqueued' && wakers.forEach((wake) => wake()), () => undefined)
      return result
    },

    consume(handler: JobHandler, { concurrency, onError }: ConsumeOptions): JobConsumer {
      let running = true
      let inFlight = 0
      let filling = false
      const settled = new Set<Promise<void>>()

      async function fill(): Promise<void> {
        if (filling || !running) return
        filling = true
        try {
          while (running && inFlight < concurrency) {
            const jobs = await take(concurrency - inFlight)
            if (jobs.length === 0) break
            for (const job of jobs) deliver(job)
          }
        } catch (err) {
          // The database is unavailable: say so; the next poll tries again.
          onError?.(err)
        } finally {
          filling = false
        }
      }

      function deliver(job: Job): void {
        inFlight++
        const done = handler(job)
          .catch((err: unknown): DeliveryOutcome => ({ ok: false, permanent: false, error: err instanceof Error ? err.message : String(err) }))
          .then((outcome) => settle(job, outcome))
          .catch((err: unknown) => onError?.(err))
          .then(() => {
            inFlight--
            settled.delete(done)
            void fill()
          })
        settled.add(done)
      }

      const wake = () => void fill()
      wakers.add(wake)
      const timer = setInterval(wake, pollIntervalMs)
      // One process owns the embedded file (the gateway holds a lock on its data directory),
      // so whatever is still active was interrupted by a crash: deliver it again now.
      void writer.run(() => requeueActive.run(now())).then(wake, () => undefined)

      return {
        async stop() {
          running = false
          clearInterval(timer)
          wakers.delete(wake)
          await Promise.all(settled)
        },
      }
    },

    async list(opts = {}) {
      const limit = opts.limit ?? 100
      const rows = (opts.state === undefined ? listAll.all(limit) : listByState.all(opts.state, limit)) as JobRow[]
      return rows.map(toInfo)
    },
    async retry(id) {
      const r = await writer.run(() => retryDead.run(now(), id))
      if (r.changes === 1) wakers.forEach((wake) => wake())
      return r.changes === 1
    },
    async drop(id) {
      return (await writer.run(() => dropJob.run(id))).changes === 1
    },
    async ping() {
      ping.get()
    },
    async close() {
      clearInterval(purgeTimer)
      wakers.clear()
    },
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    route: row.route,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    enqueuedAt: row.enqueued_at,
    payload: JSON.parse(row.payload) as unknown,
  }
}

function toInfo(row: JobRow): JobInfo {
  return {
    id: row.id,
    route: row.route,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    enqueuedAt: row.enqueued_at,
    ...(row.last_error !== null && { lastError: row.last_error }),
  }
}

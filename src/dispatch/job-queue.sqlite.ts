import { openDurableKeySet } from '../storage/durable-key-set.js'
import { NonceStoreFullError } from '../replay/nonce-store.js'
import type { SqliteDatabase } from '../storage/sqlite-database.js'
import { retryDelayMs } from './backoff.js'
import { storedError, thrownOutcome } from './job-error.js'
import type { DeliveryOutcome, Job, JobInfo, JobState } from './job.js'
import { DEFAULT_MAX_BACKLOG, QueueFullError, type ConsumeOptions, type EnqueueResult, type JobConsumer, type JobHandler, type JobQueue } from './job-queue.js'

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
  /** Most live idempotency keys held (`replay.maxKeys`); beyond it enqueues are refused. */
  readonly maxKeys?: number
  /** Most jobs queued or in delivery (`queue.maxBacklog`); at it enqueues are refused with QueueFullError. */
  readonly maxBacklog?: number
  /** Most jobs enqueued here that are listed in memory for a consumer to take by id (default 10,000). */
  readonly maxListed?: number
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
`

/**
 * Taking and settling an attempt need not wait for the disk: if a crash loses either, the
 * job is still queued or active on disk and is delivered again at restart, as it would be
 * after a crash in the middle of the delivery itself.
 */
const LOSABLE = { durable: false } as const
/** Bookkeeping of one statement that a crash may lose (a take or a settlement). */
const SETTLE = { durable: false, atomic: true } as const

/** A job this process enqueued and holds in memory for its consumer: stored, not re-read. */
interface HeldJob {
  readonly id: string
  readonly route: string
  readonly maxAttempts: number
  readonly enqueuedAt: number
  readonly payload: unknown
}

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
 * per request. An idempotency key is decided in memory and written in the same transaction
 * as the job (see storage/durable-key-set.ts).
 */
export function createSqliteJobQueue(database: SqliteDatabase, options: SqliteJobQueueOptions = {}): JobQueue {
  const { handle, writer } = database
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const pollIntervalMs = options.pollIntervalMs ?? 250
  const leaseMs = options.leaseMs ?? 5 * 60_000
  handle.exec(SCHEMA)

  const idempotencyKeys = openDurableKeySet(database, 'job_idempotency_keys', { now, ...(options.maxKeys !== undefined && { maxEntries: options.maxKeys }) })
  // A job is stored `queued`. One this process will deliver from memory is stored due only
  // later (run_at = now + lease): no scan takes it meanwhile, and no write takes it at all.
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
  // Settling names the attempt: a job delivered from memory was never marked taken on disk.
  const completeJob = handle.prepare(`DELETE FROM jobs WHERE id = ? AND state IN ('active', 'queued')`)
  const rescheduleJob = handle.prepare(
    `UPDATE jobs SET state = 'queued', attempts = ?, run_at = ?, lease_until = NULL, last_error = ? WHERE id = ? AND state IN ('active', 'queued')`,
  )
  const buryJob = handle.prepare(
    `UPDATE jobs SET state = 'dead', attempts = ?, lease_until = NULL, last_error = ? WHERE id = ? AND state IN ('active', 'queued')`,
  )
  // A held job's attempt, written behind its delivery: the next batch commits it, and a crash
  // after that counts the attempt (a job that crashes the process runs out of attempts).
  const markHeld = handle.prepare(`UPDATE jobs SET state = 'active', attempts = 1, lease_until = ? WHERE id = ? AND state = 'queued'`)
  // Jobs held in memory by a process that is gone: due again now (never attempted, so not a retry's back-off).
  const releaseHeld = handle.prepare(`UPDATE jobs SET run_at = ? WHERE state = 'queued' AND attempts = 0 AND run_at > ?`)
  const releaseOne = handle.prepare(`UPDATE jobs SET run_at = ? WHERE id = ? AND state = 'queued' AND attempts = 0`)
  const requeueActive = handle.prepare(`UPDATE jobs SET state = 'queued', run_at = ?, lease_until = NULL WHERE state = 'active'`)
  const retryDead = handle.prepare(
    `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, last_error = NULL WHERE id = ? AND state = 'dead'`,
  )
  const dropJob = handle.prepare(`DELETE FROM jobs WHERE id = ? AND state IN ('dead', 'queued') RETURNING state`)
  const listAll = handle.prepare(`SELECT * FROM jobs ORDER BY enqueued_at, id LIMIT ?`)
  const listByState = handle.prepare(`SELECT * FROM jobs WHERE state = ? ORDER BY enqueued_at, id LIMIT ?`)
  const countByState = handle.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')
  const backoffOf = handle.prepare('SELECT backoff_base_ms, backoff_max_ms FROM jobs WHERE id = ?')
  const ping = handle.prepare('SELECT 1')
  const countLive = handle.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'active')`)

  // Jobs queued or in delivery, kept as they change (one process owns the file): an enqueue
  // is refused while it is at the bound, so that a backlog cannot grow past it.
  const maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG
  let backlog = (countLive.get() as { n: number }).n

  /** Consumers' wake-ups; `scan` asks for a look at the whole table, not only held jobs. */
  const wakers = new Set<(scan: boolean) => void>()
  const purgeTimer = setInterval(() => {
    void idempotencyKeys.purge().catch(() => undefined)
    // Counted again from the table now and then: a write that failed after its count changed
    // (a batch rolled back) cannot leave the bound off for long.
    backlog = (countLive.get() as { n: number }).n
  }, 60_000).unref()

  // Jobs enqueued by this process, durable, held in memory for its consumer: delivered from
  // here without a take (no write, no read back). `holding` counts them from the insert on,
  // so that no more are held than `maxListed`. The scan (leases run out, retries come due,
  // jobs from before a restart, re-driven by an operator, or not held) runs on the poll timer
  // and when jobs were stored without being held.
  let held: HeldJob[] = []
  let holding = 0
  let consumerRunning = false
  const maxListed = options.maxListed ?? 10_000
  // Until a scan finds no more, a consumer with a free slot scans for jobs stored without
  // being held instead of waiting for the poll. Generations, so that a job stored apart
  // while a scan runs is not forgotten by that scan's end.
  let unlistedGeneration = 1
  let scannedGeneration = 0

  /** Up to `limit` due jobs from the table, marked taken. */
  function scan(limit: number): Promise<Job[]> {
    return writer.run(() => {
      const at = now()
      const ids = expiredLeases.all(at, limit) as Array<{ id: string }>
      if (ids.length < limit) ids.push(...(dueJobs.all(at, limit - ids.length) as Array<{ id: string }>))
      return ids.map(({ id }) => toJob(takeJob.get(at + leaseMs, id) as JobRow))
    }, LOSABLE)
  }

  function settle(job: Job, outcome: DeliveryOutcome): Promise<unknown> {
    return writer.run(() => {
      if (outcome.ok) return leaves(completeJob.run(job.id))
      const error = storedError(outcome.error)
      if (outcome.permanent || job.attempt >= job.maxAttempts) return leaves(buryJob.run(job.attempt, error, job.id))
      const row = backoffOf.get(job.id) as Pick<JobRow, 'backoff_base_ms' | 'backoff_max_ms'> | undefined
      if (row === undefined) return undefined
      const delay = retryDelayMs(job.attempt, { baseDelayMs: row.backoff_base_ms, maxDelayMs: row.backoff_max_ms }, random)
      return rescheduleJob.run(job.attempt, now() + delay, error, job.id)
      // Whichever way it goes, one statement writes: it needs no savepoint to roll back alone.
    }, SETTLE)
  }

  /** A job left the backlog (delivered, or dead) if the statement changed its row. */
  function leaves(result: { changes: number }): { changes: number } {
    backlog -= result.changes
    return result
  }

  return {
    async enqueue(job, options = {}): Promise<EnqueueResult> {
      if (backlog >= maxBacklog) throw new QueueFullError(maxBacklog)
      const at = now()
      const expiresAt = at + job.idempotencyTtlSeconds * 1000
      // The key and the job are written in one transaction: both are on disk, or neither.
      // A duplicate is answered from memory, before the payload is serialised.
      let hold = false
      let claim
      try {
        claim = await idempotencyKeys.claim(job.idempotencyKey, expiresAt, {
          alongside() {
            const { id, route, maxAttempts, backoff } = job
            hold = consumerRunning && holding < maxListed
            if (hold) holding++
            insertJob.run(id, route, maxAttempts, backoff.baseDelayMs, backoff.maxDelayMs, hold ? at + leaseMs : at, JSON.stringify(job.payload), at)
          },
          ...(options.onQueued !== undefined && { onQueued: options.onQueued }),
        })
      } catch (err) {
        if (hold) holding--
        throw err
      }
      if (claim === 'duplicate') return 'duplicate'
      if (claim === 'full') throw new NonceStoreFullError(idempotencyKeys.maxEntries)
      backlog++
      // Durable now: the consumer here may deliver it. The payload is the caller's object,
      // not a copy read back; a handler that changes it changes only this attempt's view.
      if (hold && consumerRunning) held.push({ id: job.id, route: job.route, maxAttempts: job.maxAttempts, enqueuedAt: at, payload: job.payload })
      else {
        // The consumer stopped while it was being stored: due now, for whoever consumes next.
        if (hold) {
          holding--
          await writer.run(() => releaseOne.run(now(), job.id), SETTLE).catch(() => undefined)
        }
        unlistedGeneration++
      }
      wakers.forEach((wake) => wake(false))
      return 'enqueued'
    },

    consume(handler: JobHandler, { concurrency, onError }: ConsumeOptions): JobConsumer {
      let running = true
      let inFlight = 0
      let filling = false
      const settled = new Set<Promise<void>>()

      let scanAsked = false
      async function fill(scanWanted: boolean): Promise<void> {
        scanAsked ||= scanWanted
        if (filling || !running) return
        filling = true
        try {
          // Held jobs first: taking them costs nothing. One held for half its lease is left to
          // the scan, which may take it once the lease is over: never both.
          while (running && inFlight < concurrency && held.length > 0) {
            const job = held.shift() as HeldJob
            holding--
            if (now() - job.enqueuedAt > leaseMs / 2) continue
            inFlight++
            // Not awaited: the delivery starts now, not a batch later. A handler that answers
            // before the mark is written makes it moot: its settlement, written after it,
            // records the attempt itself (or deletes the job).
            const mark = { moot: false }
            writer.run(() => mark.moot || markHeld.run(now() + leaseMs, job.id), SETTLE).catch((err: unknown) => onError?.(err))
            deliver({ ...job, attempt: 1 }, mark)
          }
          while (running && inFlight < concurrency && held.length === 0) {
            const scanNow = scanAsked || unlistedGeneration !== scannedGeneration
            if (!scanNow) break
            const generation = unlistedGeneration
            scanAsked = false
            // The slots are held while the scan runs; jobs held meanwhile wait for the next fill.
            const slots = concurrency - inFlight
            inFlight += slots
            let jobs: Job[] = []
            try {
              jobs = await scan(slots)
            } finally {
              inFlight -= slots - jobs.length
            }
            for (const job of jobs) deliver(job)
            // A scan that found fewer than it could take has taken every due job stored till then.
            if (jobs.length < slots) scannedGeneration = generation
          }
        } catch (err) {
          // The database is unavailable: say so; the next poll tries again.
          onError?.(err)
        } finally {
          filling = false
        }
        if (running && inFlight < concurrency && held.length > 0) void fill(false)
      }

      /**
       * Runs one delivery in a slot already counted in `inFlight`. The slot is free once the
       * handler has answered: settling is bookkeeping the writer batches, and waiting for it
       * would let each slot deliver once per batch at most.
       */
      function deliver(job: Job, mark?: { moot: boolean }): void {
        const done = handler(job)
          .catch(thrownOutcome)
          .then((outcome) => {
            if (mark !== undefined) mark.moot = true
            inFlight--
            void fill(false)
            return settle(job, outcome)
          })
          .catch((err: unknown) => onError?.(err))
          .then(() => void settled.delete(done))
        settled.add(done)
      }

      const wake = (scan: boolean) => void fill(scan)
      wakers.add(wake)
      const timer = setInterval(() => wake(true), pollIntervalMs)
      // One process owns the embedded file (the gateway holds a lock on its data directory),
      // so whatever is still active, or held for a consumer, was left by a crash: due again
      // now. Jobs are held for this consumer only after that, so none of them is released.
      void writer.run(() => {
        const at = now()
        requeueActive.run(at)
        releaseHeld.run(at, at)
      }).then(
        () => {
          if (running) consumerRunning = true
          wake(true)
        },
        () => undefined,
      )

      return {
        async stop() {
          running = false
          consumerRunning = false
          clearInterval(timer)
          wakers.delete(wake)
          await Promise.all(settled)
          // Held jobs nobody will deliver here: due now, for whoever consumes next.
          const left = held.splice(0)
          holding -= left.length
          if (left.length > 0) await writer.run(() => left.forEach((j) => releaseOne.run(now(), j.id))).catch((err: unknown) => onError?.(err))
        },
      }
    },

    async list(opts = {}) {
      const limit = opts.limit ?? 100
      const rows = (opts.state === undefined ? listAll.all(limit) : listByState.all(opts.state, limit)) as JobRow[]
      return rows.map(toInfo)
    },
    async counts() {
      const counts: Record<JobState, number> = { queued: 0, active: 0, dead: 0 }
      for (const row of countByState.all() as Array<{ state: JobState; n: number }>) counts[row.state] = row.n
      return counts
    },
    async retry(id) {
      const r = await writer.run(() => retryDead.run(now(), id))
      backlog += r.changes
      if (r.changes === 1) wakers.forEach((wake) => wake(true))
      return r.changes === 1
    },
    async drop(id) {
      const dropped = (await writer.run(() => dropJob.get(id))) as Pick<JobRow, 'state'> | undefined
      if (dropped?.state === 'queued') backlog--
      return dropped !== undefined
    },
    async ping() {
      ping.get()
    },
    async close() {
      clearInterval(purgeTimer)
      consumerRunning = false
      wakers.clear()
      held = []
      holding = 0
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
    // Scrubbed again: a row written before errors were scrubbed may still hold one.
    ...(row.last_error !== null && { lastError: storedError(row.last_error) }),
  }
}

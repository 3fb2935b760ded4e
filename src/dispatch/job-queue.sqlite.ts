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
const SETTLE = { durable: false, oneStatement: true } as const

/** A running consumer of this process, as the enqueue sees it for a hand-off. */
interface LocalConsumer {
  /** Takes a delivery slot if one is free. */
  reserve(): boolean
  /** Gives back a slot whose job was never stored. */
  release(): void
  /** Delivers a stored, taken job in the slot reserved for it. */
  deliver(job: Job): void
}

/** A job this process enqueued, as stored, waiting for a consumer here to take it by id. */
interface FreshJob {
  readonly id: string
  readonly route: string
  readonly maxAttempts: number
  readonly enqueuedAt: number
  readonly payload: string
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
  const insertJob = handle.prepare(
    `INSERT INTO jobs (id, route, state, attempts, max_attempts, backoff_base_ms, backoff_max_ms, run_at, payload, enqueued_at)
     VALUES (?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?)`,
  )
  // Two index-friendly lookups rather than one OR: leases that ran out, then due jobs.
  const expiredLeases = handle.prepare(`SELECT id FROM jobs WHERE state = 'active' AND lease_until <= ? LIMIT ?`)
  const dueJobs = handle.prepare(`SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at LIMIT ?`)
  // A job handed straight to this process's consumer is stored already taken (see enqueue).
  const insertTaken = handle.prepare(
    `INSERT INTO jobs (id, route, state, attempts, max_attempts, backoff_base_ms, backoff_max_ms, run_at, lease_until, payload, enqueued_at)
     VALUES (?, ?, 'active', 1, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const untake = handle.prepare(
    `UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_until = NULL WHERE id = ? AND state = 'active'`,
  )
  const takeJob = handle.prepare(
    `UPDATE jobs SET state = 'active', attempts = attempts + 1, lease_until = ? WHERE id = ? RETURNING *`,
  )
  const takeFresh = handle.prepare(
    `UPDATE jobs SET state = 'active', attempts = attempts + 1, lease_until = ? WHERE id = ? AND state = 'queued' RETURNING attempts`,
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

  /** Consumers' wake-ups; `scan` asks for a look at the whole table, not only fresh jobs. */
  const wakers = new Set<(scan: boolean) => void>()
  const purgeTimer = setInterval(() => {
    void idempotencyKeys.purge().catch(() => undefined)
    // Counted again from the table now and then: a write that failed after its count changed
    // (a batch rolled back) cannot leave the bound off for long.
    backlog = (countLive.get() as { n: number }).n
  }, 60_000).unref()

  // Jobs enqueued by this process, due now: a consumer here takes them by id, without
  // scanning the table. The scan (leases run out, retries come due, jobs from before a
  // restart or re-driven by an operator) runs on the poll timer and on explicit wakes.
  // The row is not read back: its fields and serialised payload are still at hand.
  let fresh: FreshJob[] = []
  const maxListed = options.maxListed ?? 10_000
  // Due jobs may be in the table and not in `fresh`: enqueued while the list was full or no
  // consumer ran here. Until a scan finds no more, a consumer with a free slot scans for them
  // instead of waiting for the poll (which takes a handful at a time). Generations, so that a
  // job stored apart while a scan runs is not forgotten by that scan's end.
  let unlistedGeneration = 1
  let scannedGeneration = 0

  // Better still, while this process's consumer has a free slot, an enqueue stores the job
  // already taken (active, attempt 1, leased) and hands it over once it is durable: no take
  // and no extra commit. A crash before or during the delivery leaves it active on disk, and
  // it is requeued at the next start like any interrupted delivery.
  let local: LocalConsumer | undefined

  function take(limit: number, scan: boolean): Promise<Job[]> {
    if (!scan && fresh.length === 0) return Promise.resolve([])
    return writer.run(() => {
      const at = now()
      const jobs: Job[] = []
      while (jobs.length < limit && fresh.length > 0) {
        const job = fresh.shift() as FreshJob
        const row = takeFresh.get(at + leaseMs, job.id) as Pick<JobRow, 'attempts'> | undefined
        if (row !== undefined) jobs.push({ ...job, attempt: row.attempts, payload: JSON.parse(job.payload) as unknown })
      }
      if (!scan || jobs.length === limit) return jobs
      const ids = expiredLeases.all(at, limit - jobs.length) as Array<{ id: string }>
      if (jobs.length + ids.length < limit) ids.push(...(dueJobs.all(at, limit - jobs.length - ids.length) as Array<{ id: string }>))
      for (const { id } of ids) jobs.push(toJob(takeJob.get(at + leaseMs, id) as JobRow))
      return jobs
    }, LOSABLE)
  }

  function settle(job: Job, outcome: DeliveryOutcome): Promise<unknown> {
    return writer.run(() => {
      if (outcome.ok) return leaves(completeJob.run(job.id))
      const error = storedError(outcome.error)
      if (outcome.permanent || job.attempt >= job.maxAttempts) return leaves(buryJob.run(error, job.id))
      const row = backoffOf.get(job.id) as Pick<JobRow, 'backoff_base_ms' | 'backoff_max_ms'> | undefined
      if (row === undefined) return undefined
      const delay = retryDelayMs(job.attempt, { baseDelayMs: row.backoff_base_ms, maxDelayMs: row.backoff_max_ms }, random)
      return rescheduleJob.run(now() + delay, error, job.id)
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
      let payload = ''
      let taker: LocalConsumer | undefined
      let claim
      try {
        claim = await idempotencyKeys.claim(job.idempotencyKey, expiresAt, {
          alongside() {
            payload = JSON.stringify(job.payload)
            const { id, route, maxAttempts, backoff } = job
            taker = local?.reserve() === true ? local : undefined
            if (taker === undefined) insertJob.run(id, route, maxAttempts, backoff.baseDelayMs, backoff.maxDelayMs, at, payload, at)
            else insertTaken.run(id, route, maxAttempts, backoff.baseDelayMs, backoff.maxDelayMs, at, at + leaseMs, payload, at)
          },
          ...(options.onQueued !== undefined && { onQueued: options.onQueued }),
        })
      } catch (err) {
        taker?.release()
        throw err
      }
      if (claim === 'duplicate') return 'duplicate'
      if (claim === 'full') throw new NonceStoreFullError(idempotencyKeys.maxEntries)
      backlog++
      if (taker !== undefined) {
        taker.deliver({ id: job.id, route: job.route, attempt: 1, maxAttempts: job.maxAttempts, enqueuedAt: at, payload: JSON.parse(payload) as unknown })
      } else if (wakers.size > 0 && fresh.length < maxListed) {
        fresh.push({ id: job.id, route: job.route, maxAttempts: job.maxAttempts, enqueuedAt: at, payload })
      } else {
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
      async function fill(scan: boolean): Promise<void> {
        scanAsked ||= scan
        if (filling || !running) return
        filling = true
        try {
          while (running && inFlight < concurrency) {
            const scanNow = scanAsked || (unlistedGeneration !== scannedGeneration && fresh.length === 0)
            const generation = unlistedGeneration
            scanAsked = false
            // The slots are held while the take runs, so hand-offs cannot overfill them. Only
            // as many as there are jobs to take, unless the table is scanned: slots held for
            // jobs that do not exist would turn every hand-off meanwhile away, to the slower
            // take by id, and under load the consumer would never get back to hand-offs.
            const slots = scanNow ? concurrency - inFlight : Math.min(concurrency - inFlight, fresh.length)
            if (slots === 0) break
            inFlight += slots
            let jobs: Job[] = []
            try {
              jobs = await take(slots, scanNow)
            } finally {
              inFlight -= slots - jobs.length
            }
            // A scan that found fewer than it could take has taken every due job stored till then.
            if (scanNow && jobs.length < slots) scannedGeneration = generation
            for (const job of jobs) deliver(job)
            if (jobs.length === 0 && !scanAsked) break
          }
        } catch (err) {
          // The database is unavailable: say so; the next poll tries again.
          onError?.(err)
        } finally {
          filling = false
        }
      }

      /** Runs one delivery in a slot already counted in `inFlight`. */
      function deliver(job: Job): void {
        const done = handler(job)
          .catch(thrownOutcome)
          .then((outcome) => settle(job, outcome))
          .catch((err: unknown) => onError?.(err))
          .then(() => {
            inFlight--
            settled.delete(done)
            void fill(false)
          })
        settled.add(done)
      }

      const consumer: LocalConsumer = {
        reserve() {
          if (!running || inFlight >= concurrency) return false
          inFlight++
          return true
        },
        release() {
          inFlight--
          void fill(false)
        },
        deliver(job) {
          if (running) return deliver(job)
          // Stopped while the job was being stored: leave it queued for the next consumer.
          inFlight--
          void writer.run(() => untake.run(job.id), LOSABLE).then(
            () => wakers.forEach((w) => w(false)),
            (err: unknown) => onError?.(err),
          )
        },
      }

      const wake = (scan: boolean) => void fill(scan)
      wakers.add(wake)
      const timer = setInterval(() => wake(true), pollIntervalMs)
      // One process owns the embedded file (the gateway holds a lock on its data directory),
      // so whatever is still active was interrupted by a crash: deliver it again now. Hand-offs
      // start only after that, so that no job handed over is requeued under its consumer.
      void writer.run(() => requeueActive.run(now())).then(
        () => {
          if (running) local ??= consumer
          wake(true)
        },
        () => undefined,
      )

      return {
        async stop() {
          running = false
          if (local === consumer) local = undefined
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
      local = undefined
      wakers.clear()
      fresh = []
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

import { Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq'
import type { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import { retryDelayMs } from './backoff.js'
import { storedError, thrownOutcome } from './job-error.js'
import type { BackoffPolicy, DeliveryOutcome, Job, JobInfo, JobState } from './job.js'
import { DEFAULT_MAX_BACKLOG, QueueFullError, type ConsumeOptions, type JobConsumer, type JobHandler, type JobQueue } from './job-queue.js'

export interface BullmqJobQueueOptions {
  /** A connection for enqueueing and listing. Fail-fast settings (no offline queue) make a down Redis a 503 at once. */
  readonly connection: Redis
  /** Makes a connection for each consumer; BullMQ workers need `maxRetriesPerRequest: null`. */
  readonly workerConnection: () => Redis
  /** Key prefix, to share a Redis safely (default `slackgate`). */
  readonly prefix?: string
  readonly queueName?: string
  /**
   * Most jobs waiting, delayed or in delivery (`queue.maxBacklog`), across every instance: an
   * enqueue is refused with QueueFullError while the count, read at most every 250 ms, is at it.
   */
  readonly maxBacklog?: number
}

/** How stale the backlog an enqueue checks may be. */
const BACKLOG_READ_MS = 250

interface JobData {
  readonly payload: unknown
  readonly backoff: BackoffPolicy
  readonly enqueuedAt: number
}

/**
 * The distributed JobQueue, on Redis through BullMQ. Idempotency keys are BullMQ
 * deduplication ids with a TTL, checked in the same Lua script that adds the job, so two
 * gateway instances can never both enqueue one Slack event. Stalled jobs (a worker that
 * died) are handed to another worker by BullMQ. Durability is Redis's own: run it with
 * `appendonly yes`.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'slackgate'
  const name = options.queueName ?? 'jobs'
  const queue = new Queue<JobData>(name, { connection: options.connection, prefix })
  // BullMQ reports connection errors on the emitter; the calls themselves reject.
  queue.on('error', () => undefined)
  const workers = new Set<Worker<JobData>>()

  // The backlog as last read. Reading it costs Redis round trips, so it is read again at most
  // every BACKLOG_READ_MS, in the background: the bound may be passed by what the instances
  // enqueue in that time, and not further.
  const maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG
  let backlog: { count: number; at: number } | undefined
  let reading: Promise<void> | undefined
  function readBacklog(): Promise<void> {
    reading ??= queue
      .getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'paused', 'waiting-children')
      .then((counts) => {
        backlog = { count: Object.values(counts).reduce((a, b) => a + b, 0), at: Date.now() }
      })
      .finally(() => {
        reading = undefined
      })
    return reading
  }

  async function find(id: string): Promise<BullJob<JobData> | undefined> {
    return (await BullJob.fromId<JobData>(queue, id)) ?? undefined
  }

  return {
    async enqueue(job) {
      if (backlog === undefined) await readBacklog()
      else if (Date.now() - backlog.at > BACKLOG_READ_MS) readBacklog().catch(() => undefined)
      if (backlog !== undefined && backlog.count >= maxBacklog) throw new QueueFullError(maxBacklog)
      const data: JobData = { payload: job.payload, backoff: job.backoff, enqueuedAt: Date.now() }
      const added = await queue.add(job.route, data, {
        jobId: job.id,
        attempts: job.maxAttempts,
        backoff: { type: 'slackgate' },
        deduplication: { id: job.idempotencyKey, ttl: job.idempotencyTtlSeconds * 1000 },
        removeOnComplete: true,
        removeOnFail: false,
      })
      // A deduplicated add answers with the job that holds the key, not ours.
      return added.id === job.id ? 'enqueued' : 'duplicate'
    },

    consume(handler: JobHandler, { concurrency, onError }: ConsumeOptions): JobConsumer {
      const worker = new Worker<JobData>(
        name,
        async (bullJob) => {
          const outcome: DeliveryOutcome = await handler(toJob(bullJob)).catch(thrownOutcome)
          if (outcome.ok) return
          // BullMQ stores the message as the failed reason and in the stack trace it keeps.
          if (outcome.permanent) throw new UnrecoverableError(storedError(outcome.error))
          throw new Error(storedError(outcome.error))
        },
        {
          connection: options.workerConnection(),
          prefix,
          concurrency,
          settings: {
            backoffStrategy: (attemptsMade, _type, _err, job) =>
              retryDelayMs(attemptsMade, (job?.data as JobData | undefined)?.backoff ?? { baseDelayMs: 1000, maxDelayMs: 300_000 }),
          },
        },
      )
      worker.on('error', (err) => onError?.(err))
      workers.add(worker)
      return {
        async stop() {
          workers.delete(worker)
          await worker.close()
          await worker.disconnect()
        },
      }
    },

    async list(opts = {}) {
      const limit = opts.limit ?? 100
      const states: Record<JobState, Array<'waiting' | 'delayed' | 'prioritized' | 'active' | 'failed'>> = {
        queued: ['waiting', 'delayed', 'prioritized'],
        active: ['active'],
        dead: ['failed'],
      }
      const wanted: JobState[] = opts.state === undefined ? ['queued', 'active', 'dead'] : [opts.state]
      const infos: JobInfo[] = []
      for (const state of wanted) {
        const jobs = await queue.getJobs(states[state], 0, limit - 1, true)
        for (const j of jobs) if (j !== undefined && j.id !== undefined) infos.push(toInfo(j, state))
      }
      return infos.sort((a, b) => a.enqueuedAt - b.enqueuedAt).slice(0, limit)
    },

    async counts() {
      // The same mapping as list(): a job waiting out a retry's backoff is delayed (queued),
      // and only a job out of attempts, or failed for good, stays failed (removeOnFail: false).
      const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed')
      return {
        queued: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        dead: c.failed ?? 0,
      }
    },

    async retry(id) {
      const job = await find(id)
      if (job === undefined || !(await job.isFailed())) return false
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      return true
    },

    async drop(id) {
      const job = await find(id)
      if (job === undefined || (await job.isActive())) return false
      await job.remove()
      return true
    },

    async ping() {
      await options.connection.ping()
    },

    async close() {
      await Promise.all([...workers].map((w) => w.close()))
      await queue.close()
      // A connection that never became ready (a refused login, a Redis that is down) fails
      // BullMQ's initialisation when its owner ends it, after this close. BullMQ reports that
      // on its connection wrapper, which close left without listeners: without this one, an
      // unhandled rejection.
      ;(queue as unknown as { connection?: EventEmitter }).connection?.on('error', () => undefined)
    },
  }
}

function toJob(job: BullJob<JobData>): Job {
  return {
    id: job.id as string,
    route: job.name,
    attempt: job.attemptsMade + 1,
    maxAttempts: job.opts.attempts ?? 1,
    enqueuedAt: job.data.enqueuedAt,
    payload: job.data.payload,
  }
}

function toInfo(job: BullJob<JobData>, state: JobState): JobInfo {
  return {
    id: job.id as string,
    route: job.name,
    state,
    attempts: state === 'active' ? job.attemptsMade + 1 : job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    enqueuedAt: job.data.enqueuedAt,
    // Scrubbed again: a job failed before errors were scrubbed may still hold one.
    ...(job.failedReason !== undefined && job.failedReason !== '' && { lastError: storedError(job.failedReason) }),
  }
}

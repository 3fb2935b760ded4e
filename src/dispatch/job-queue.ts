import type { DeliveryOutcome, Job, JobInfo, JobState, NewJob } from './job.js'

export type EnqueueResult = 'enqueued' | 'duplicate'

export interface EnqueueOptions {
  /**
   * Called once the job is certain to be stored with the batch being written, before that
   * batch is durable, where the adapter batches writes (the embedded queue): a write the
   * caller issues from here, to the same database, commits and syncs with the job. Adapters
   * that write each job on its own never call it.
   */
  readonly onQueued?: () => void
}

/** Delivers one attempt of a job. A thrown error counts as a retryable failure. */
export type JobHandler = (job: Job) => Promise<DeliveryOutcome>

export interface ConsumeOptions {
  /** Deliveries in flight at once in this process. */
  readonly concurrency: number
  /** Called when the queue itself fails (not a delivery): the consumer keeps trying. */
  readonly onError?: (err: unknown) => void
}

export interface JobConsumer {
  /** Stops taking jobs and waits for the ones in flight. */
  stop(): Promise<void>
}

/**
 * The durable queue between the ack and the delivery. `enqueue` resolves only once the job
 * is durably stored: only then is Slack's 200 sent. Consumers get each job until it is
 * delivered, retry it with backoff up to its attempt limit, then keep it as a dead letter
 * that an operator can list, retry or drop. A job whose consumer crashed is delivered again.
 */
export interface JobQueue {
  /** Rejects with QueueFullError, storing nothing, while the backlog is at its bound. */
  enqueue(job: NewJob, options?: EnqueueOptions): Promise<EnqueueResult>
  consume(handler: JobHandler, options: ConsumeOptions): JobConsumer
  list(options?: { readonly state?: JobState; readonly limit?: number }): Promise<JobInfo[]>
  /** How many jobs are in each state now; for the queue gauges of `/metrics`. */
  counts(): Promise<Record<JobState, number>>
  /** Puts a dead job back in the queue with a fresh attempt count; false if there is none. */
  retry(id: string): Promise<boolean>
  /** Deletes a dead or waiting job; false if there is none. */
  drop(id: string): Promise<boolean>
  ping(): Promise<void>
  close(): Promise<void>
}

/** Most jobs waiting or in delivery unless configured (`queue.maxBacklog`). */
export const DEFAULT_MAX_BACKLOG = 250_000

/**
 * The queue holds its maximum of jobs waiting or in delivery: delivery is not keeping up, and
 * refusing new work (Slack retries a 503) is safer than a backlog without bound.
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError'
  constructor(readonly maxBacklog: number) {
    super(
      `the queue holds its maximum of ${maxBacklog} jobs waiting or in delivery: delivery is not keeping up (raise queue.concurrency, add instances, or raise queue.maxBacklog)`,
    )
  }
}

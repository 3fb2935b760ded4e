/** How long to wait before retrying: exponential, capped, with jitter. */
export interface BackoffPolicy {
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/** A unit of work as the pipeline hands it to the queue. */
export interface NewJob {
  /** Unique id; also what receivers use to recognise a redelivery. */
  readonly id: string
  readonly route: string
  /**
   * At most one job is ever enqueued per key within its TTL, atomically with the enqueue:
   * this is what makes a Slack retry (same event_id, new signature) a duplicate even when
   * the gateway crashed between acking and queueing the original.
   */
  readonly idempotencyKey: string
  readonly idempotencyTtlSeconds: number
  readonly maxAttempts: number
  readonly backoff: BackoffPolicy
  /** JSON-serialisable. */
  readonly payload: unknown
}

/** A job handed to a consumer for one delivery attempt. */
export interface Job {
  readonly id: string
  readonly route: string
  /** 1 for the first delivery, 2 for the first retry, and so on. */
  readonly attempt: number
  readonly maxAttempts: number
  /** Milliseconds since the epoch when the job was enqueued. */
  readonly enqueuedAt: number
  readonly payload: unknown
}

export type JobState = 'queued' | 'active' | 'dead'

/** What an operator sees in `slackgate jobs list`. */
export interface JobInfo {
  readonly id: string
  readonly route: string
  readonly state: JobState
  readonly attempts: number
  readonly maxAttempts: number
  readonly enqueuedAt: number
  readonly lastError?: string
}

/** What a delivery attempt came to. `permanent` failures go straight to the dead letters. */
export type DeliveryOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly permanent: boolean; readonly error: string }

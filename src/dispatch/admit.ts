import { newJobId } from './job-id.js'
import { NonceStoreFullError, type NonceStore } from '../replay/nonce-store.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import type { InboundRequest } from '../workflow/workflow-call.js'
import type { JobPayload } from './job-payload.js'
import { QueueFullError, type JobQueue } from './job-queue.js'
import type { Route, Router } from './router.js'

export type Admission =
  | { readonly verdict: 'accepted'; readonly route: string; readonly jobId: string }
  | { readonly verdict: 'duplicate'; readonly route?: string }
  | { readonly verdict: 'unrouted' }

/** A store the pipeline needs did not answer: the caller answers 503 and nothing ran. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  constructor(
    readonly code: 'replay_store_unavailable' | 'replay_store_full' | 'queue_unavailable' | 'queue_full',
    options?: { cause?: unknown },
  ) {
    super(code, options)
  }
}

export interface AdmissionDeps {
  readonly nonces: NonceStore
  readonly queue: JobQueue
  readonly router: Router
  readonly ttlSeconds: number
  readonly newId?: () => string
}

export interface AdmitInput {
  readonly request: InboundRequest
  readonly keys: NonceKeys
  /**
   * Remember the keys at least this long (a bearer token's `jti` until the token expires);
   * the configured replay TTL otherwise, and never less.
   */
  readonly keyTtlSeconds?: number
  readonly requestId: string
  readonly receivedAt: number
  /** What the job carries beside the request: a custom step's sealed token, or its refusal. */
  readonly extras?: Pick<JobPayload, 'stepToken' | 'refusal'>
  /**
   * Queue the request even when no route matches, under this name and retry policy: a custom
   * step nobody routes is still finished (its job fails it, see functions/finish-step.ts).
   */
  readonly orphan?: Pick<Route, 'name' | 'retry'>
  /**
   * Called with the `accepted` admission as soon as the job will be stored with the batch
   * being written, before it is durable (embedded queue only): the caller's audit record,
   * written from here, commits and syncs in the same batch as the job.
   */
  readonly onAccepted?: (admission: Extract<Admission, { verdict: 'accepted' }>) => void
}

/**
 * Dedupe, route and enqueue one verified request. Resolves only when the outcome is durable:
 * for `accepted`, the job is stored. Rejects with StoreUnavailableError when a store cannot
 * answer, after releasing the keys it claimed, so that Slack's retry is not taken for a
 * duplicate of work that never ran.
 */
/** Claims and releases of a request's nonce keys, as the admission makes them. */
export interface KeyClaims {
  /**
   * Claims every key; a duplicate if any was claimed before (the others stay claimed: they
   * belong to a request that was seen). Rejects with StoreUnavailableError.
   */
  claim(keys: readonly string[], ttlSeconds: number): Promise<{ readonly duplicate: boolean; readonly claimed: string[] }>
  /** Gives keys back, so that Slack's retry of work that never ran is not a duplicate. Never rejects. */
  release(keys: readonly string[]): Promise<void>
}

export function createKeyClaims(nonces: NonceStore): KeyClaims {
  return {
    async claim(keys, ttl) {
      let results: Array<'first' | 'duplicate'>
      try {
        results = await Promise.all(keys.map((k) => nonces.claim(k, ttl)))
      } catch (cause) {
        throw new StoreUnavailableError(cause instanceof NonceStoreFullError ? 'replay_store_full' : 'replay_store_unavailable', { cause })
      }
      const claimed = keys.filter((_, i) => results[i] === 'first')
      return { duplicate: claimed.length !== keys.length, claimed }
    },
    async release(keys) {
      await Promise.all(keys.map((k) => nonces.release(k).catch(() => undefined)))
    },
  }
}

export function createAdmission(deps: AdmissionDeps): (input: AdmitInput) => Promise<Admission> {
  const { queue, router, ttlSeconds } = deps
  const newId = deps.newId ?? (() => newJobId())
  const claims = createKeyClaims(deps.nonces)
  const claimAll = claims.claim
  const releaseAll = claims.release

  return async function admit({ request, keys, requestId, receivedAt, keyTtlSeconds, onAccepted, extras, orphan }) {
    const ttl = Math.max(ttlSeconds, Math.ceil(keyTtlSeconds ?? 0))
    const route: Pick<Route, 'name' | 'retry'> | undefined = router(request) ?? orphan
    if (route === undefined) {
      // Nothing will run, but a replay of it is still told apart in the log.
      const { duplicate } = await claimAll([...keys.others, keys.primary], ttl)
      return duplicate ? { verdict: 'duplicate' } : { verdict: 'unrouted' }
    }

    const { duplicate, claimed } = await claimAll(keys.others, ttl)
    if (duplicate) return { verdict: 'duplicate', route: route.name }

    const jobId = newId()
    const payload: JobPayload = { requestId, receivedAt, request, ...extras }
    let result
    try {
      result = await queue.enqueue({
        id: jobId,
        route: route.name,
        idempotencyKey: keys.primary,
        idempotencyTtlSeconds: ttl,
        maxAttempts: route.retry.maxAttempts,
        backoff: { baseDelayMs: route.retry.baseDelayMs, maxDelayMs: route.retry.maxDelayMs },
        payload,
      }, onAccepted === undefined ? undefined : { onQueued: () => onAccepted({ verdict: 'accepted', route: route.name, jobId }) })
    } catch (cause) {
      await releaseAll(claimed)
      // A queue whose idempotency keys are full is full of replay keys, as the nonce store can be.
      throw new StoreUnavailableError(cause instanceof NonceStoreFullError ? 'replay_store_full' : cause instanceof QueueFullError ? 'queue_full' : 'queue_unavailable', { cause })
    }
    return result === 'enqueued' ? { verdict: 'accepted', route: route.name, jobId } : { verdict: 'duplicate', route: route.name }
  }
}

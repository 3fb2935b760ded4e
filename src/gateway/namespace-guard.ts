import type { ConsumeOptions, JobConsumer, JobHandler, JobQueue } from '../dispatch/job-queue.js'
import type { NamespaceClaim } from './check-stores.js'

/** The queue refused work because this deployment does not hold its namespace (see check-stores.ts). */
export class NamespaceNotHeldError extends Error {
  override readonly name = 'NamespaceNotHeldError'
  constructor() {
    super('this deployment does not hold its namespace on Redis: not queueing')
  }
}

/**
 * A queue that works only while `claim` is held. In a namespace another deployment holds (or
 * one not yet claimed because Redis was down at start), a job queued here could be run by the
 * other deployment's handlers, and a job taken here could be another deployment's: so
 * `enqueue` and `ping` reject (the request is answered 503 `queue_unavailable`, its keys
 * released for Slack's retry, and `/readyz` says not ready) and the consumer is paused, to
 * resume when the claim is held again.
 */
export function guardQueue(queue: JobQueue, claim: NamespaceClaim): JobQueue {
  return {
    enqueue: (job, options) => (claim.held() ? queue.enqueue(job, options) : Promise.reject(new NamespaceNotHeldError())),
    ping: () => (claim.held() ? queue.ping() : Promise.reject(new NamespaceNotHeldError())),
    consume: (handler, options) => guardedConsumer(queue, claim, handler, options),
    list: (options) => queue.list(options),
    counts: () => queue.counts(),
    retry: (id) => queue.retry(id),
    drop: (id) => queue.drop(id),
    close: () => queue.close(),
  }
}

function guardedConsumer(queue: JobQueue, claim: NamespaceClaim, handler: JobHandler, options: ConsumeOptions): JobConsumer {
  let inner: JobConsumer | undefined
  let stopping: Promise<void> = Promise.resolve()
  let stopped = false
  const follow = (held: boolean) => {
    if (stopped) return
    if (held && inner === undefined) {
      // A pause still finishing its jobs in flight completes before the consumer starts again.
      stopping = stopping.then(() => {
        if (!stopped && claim.held() && inner === undefined) inner = queue.consume(handler, options)
      })
    } else if (!held && inner !== undefined) {
      const pausing = inner
      inner = undefined
      stopping = stopping.then(() => pausing.stop())
    }
  }
  claim.onChange(follow)
  follow(claim.held())
  return {
    async stop() {
      stopped = true
      const last = inner
      inner = undefined
      await stopping
      await last?.stop()
    },
  }
}

import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { DeliveryOutcome, Job, NewJob } from '../../src/dispatch/job.js'
import { QueueFullError, type JobConsumer, type JobQueue } from '../../src/dispatch/job-queue.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'

export interface JobQueueFixture {
  readonly queue: JobQueue
  cleanup?(): Promise<void>
}

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const id = randomUUID()
  return {
    id,
    route: 'deploy',
    idempotencyKey: `event:${id}`,
    idempotencyTtlSeconds: 600,
    maxAttempts: 3,
    backoff: { baseDelayMs: 20, maxDelayMs: 40 },
    payload: { kind: 'command', command: '/deploy', n: 1 },
    ...overrides,
  }
}

/** Credentials a handler's error may carry: a bot token, a Slack signing secret, a bearer JWT. */
export const LEAKED_SECRETS = [
  'xoxb-1111-2222-queueleak',
  '8f742231b10e8888abd99b1c5f3d4a0e',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJxdWV1ZWxlYWsifQ.c2lnbmF0dXJlLXF1ZXVlbGVhaw',
] as const
export const LEAKY_ERROR = `upstream refused ${LEAKED_SECRETS[0]} (secret ${LEAKED_SECRETS[1]}, Authorization: Bearer ${LEAKED_SECRETS[2]})`

/** Enqueues one job whose every attempt throws LEAKY_ERROR, and waits until it is dead. */
export async function buryLeakyJob(queue: JobQueue): Promise<void> {
  const consumer = queue.consume(async () => {
    throw new Error(LEAKY_ERROR)
  }, { concurrency: 1 })
  await queue.enqueue(newJob({ maxAttempts: 2, backoff: { baseDelayMs: 10, maxDelayMs: 10 } }))
  await waitFor(async () => (await queue.list({ state: 'dead' })).length === 1)
  await consumer.stop()
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The JobQueue contract; every adapter's test calls it with a factory. */
/** What a contract test may ask of the adapter it gets. */
export interface JobQueueSettings {
  readonly maxBacklog?: number
}

export function describeJobQueue(name: string, factory: (settings?: JobQueueSettings) => Promise<JobQueueFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`JobQueue contract: ${name}`, () => {
    const fixtures: JobQueueFixture[] = []
    const consumers: JobConsumer[] = []
    async function make(settings?: JobQueueSettings): Promise<JobQueue> {
      const f = await factory(settings)
      fixtures.push(f)
      return f.queue
    }
    function consume(queue: JobQueue, handler: (job: Job) => Promise<DeliveryOutcome>, concurrency = 4): JobConsumer {
      const c = queue.consume(handler, { concurrency })
      consumers.push(c)
      return c
    }
    afterEach(async () => {
      for (const c of consumers.splice(0)) await c.stop()
      for (const f of fixtures.splice(0)) {
        await f.queue.close()
        await f.cleanup?.()
      }
    })

    it('refuses enqueues (QueueFullError, nothing stored) while maxBacklog jobs wait or are in delivery, and takes them once delivery catches up', async () => {
      const queue = await make({ maxBacklog: 10 })
      for (let i = 0; i < 10; i++) expect(await queue.enqueue(newJob())).toBe('enqueued')
      // A shared queue reads its backlog at most every 250 ms: the refusal may come a little later.
      let refusal: unknown
      await waitFor(async () => {
        refusal = await queue.enqueue(newJob()).then(() => undefined, (err: unknown) => err)
        return refusal !== undefined
      }, 3000)
      expect(refusal).toBeInstanceOf(QueueFullError)
      expect((refusal as Error).message).toMatch(/raise queue.concurrency, add instances, or raise queue.maxBacklog/)
      const held = await queue.counts()
      expect(held.queued + held.active).toBeLessThanOrEqual(60)
      consume(queue, async () => ({ ok: true }))
      await waitForQueueIdle(() => queue.counts())
      await waitFor(async () => (await queue.enqueue(newJob()).then(() => true, () => false)), 3000)
    })

    it('delivers an enqueued job once, with its payload, then forgets it', async () => {
      const queue = await make()
      const job = newJob()
      expect(await queue.enqueue(job)).toBe('enqueued')
      const seen: Job[] = []
      consume(queue, async (j) => {
        seen.push(j)
        return { ok: true }
      })
      await waitFor(() => seen.length === 1)
      expect(seen[0]).toMatchObject({ id: job.id, route: 'deploy', attempt: 1, maxAttempts: 3, payload: job.payload })
      // Idle: nothing waiting, in flight or waiting out a back-off; no second delivery can come.
      expect(await waitForQueueIdle(() => queue.counts())).toEqual({ queued: 0, active: 0, dead: 0 })
      expect(await queue.list()).toEqual([])
      expect(seen).toHaveLength(1)
    })

    it('enqueues at most one job per idempotency key', async () => {
      const queue = await make()
      expect(await queue.enqueue(newJob({ idempotencyKey: 'event:Ev1' }))).toBe('enqueued')
      expect(await queue.enqueue(newJob({ idempotencyKey: 'event:Ev1' }))).toBe('duplicate')
      expect(await queue.enqueue(newJob({ idempotencyKey: 'event:Ev2' }))).toBe('enqueued')
      expect(await queue.list({ state: 'queued' })).toHaveLength(2)
    })

    it('of 50 concurrent enqueues with one idempotency key, exactly one is enqueued', async () => {
      const queue = await make()
      const results = await Promise.all(Array.from({ length: 50 }, () => queue.enqueue(newJob({ idempotencyKey: 'event:same' }))))
      expect(results.filter((r) => r === 'enqueued')).toHaveLength(1)
      expect(await queue.list()).toHaveLength(1)
    })

    it('keeps an idempotency key for its TTL, even after the job was delivered', async () => {
      const queue = await make()
      let delivered = 0
      consume(queue, async () => {
        delivered++
        return { ok: true }
      })
      expect(await queue.enqueue(newJob({ idempotencyKey: 'k', idempotencyTtlSeconds: 1 }))).toBe('enqueued')
      await waitFor(() => delivered === 1)
      expect(await queue.enqueue(newJob({ idempotencyKey: 'k', idempotencyTtlSeconds: 1 }))).toBe('duplicate')
      await new Promise((r) => setTimeout(r, 1300))
      expect(await queue.enqueue(newJob({ idempotencyKey: 'k', idempotencyTtlSeconds: 1 }))).toBe('enqueued')
    })

    it('retries a failed delivery with backoff, then succeeds', async () => {
      const queue = await make()
      const attempts: Array<{ attempt: number; at: number }> = []
      consume(queue, async (j) => {
        attempts.push({ attempt: j.attempt, at: Date.now() })
        return j.attempt < 3 ? { ok: false, permanent: false, error: 'HTTP 503' } : { ok: true }
      })
      await queue.enqueue(newJob({ backoff: { baseDelayMs: 100, maxDelayMs: 1000 } }))
      await waitFor(() => attempts.length === 3)
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3])
      // Equal jitter: the first retry waits at least half of 100 ms, the second half of 200 ms.
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45)
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(95)
      await waitFor(async () => (await queue.list()).length === 0)
    })

    it('treats a thrown error as a retryable failure', async () => {
      const queue = await make()
      const attempts: number[] = []
      consume(queue, async (j) => {
        attempts.push(j.attempt)
        if (j.attempt === 1) throw new Error('socket hang up')
        return { ok: true }
      })
      await queue.enqueue(newJob())
      await waitFor(() => attempts.length === 2)
      expect(attempts).toEqual([1, 2])
    })

    it('keeps a job that used up its attempts as a dead letter; retry delivers it again; drop removes it', async () => {
      const queue = await make()
      let succeed = false
      const attempts: number[] = []
      consume(queue, async (j) => {
        attempts.push(j.attempt)
        return succeed ? { ok: true } : { ok: false, permanent: false, error: 'HTTP 500 from service' }
      })
      const job = newJob({ maxAttempts: 2 })
      await queue.enqueue(job)
      await waitFor(async () => (await queue.list({ state: 'dead' })).length === 1)
      expect(attempts).toEqual([1, 2])
      const [dead] = await queue.list({ state: 'dead' })
      expect(dead).toMatchObject({ id: job.id, route: 'deploy', state: 'dead', attempts: 2, maxAttempts: 2, lastError: 'HTTP 500 from service' })

      succeed = true
      expect(await queue.retry(job.id)).toBe(true)
      await waitFor(() => attempts.length === 3)
      expect(attempts[2]).toBe(1)
      await waitFor(async () => (await queue.list()).length === 0)

      const other = newJob({ maxAttempts: 1 })
      succeed = false
      await queue.enqueue(other)
      await waitFor(async () => (await queue.list({ state: 'dead' })).length === 1)
      expect(await queue.drop(other.id)).toBe(true)
      expect(await queue.list()).toHaveLength(0)
    })

    it("keeps a failed delivery's error scrubbed of credentials, thrown or returned", async () => {
      const queue = await make()
      consume(queue, async (j) => {
        if (j.route === 'thrown') throw new Error(LEAKY_ERROR)
        return { ok: false, permanent: true, error: LEAKY_ERROR }
      })
      await queue.enqueue(newJob({ route: 'thrown', maxAttempts: 1 }))
      await queue.enqueue(newJob({ route: 'returned', maxAttempts: 1 }))
      await waitFor(async () => (await queue.list({ state: 'dead' })).length === 2)
      for (const dead of await queue.list({ state: 'dead' })) {
        expect(dead.lastError).toContain('upstream refused [redacted]')
        for (const secret of LEAKED_SECRETS) expect(dead.lastError, dead.route).not.toContain(secret)
      }
    })

    it('sends a permanent failure straight to the dead letters', async () => {
      const queue = await make()
      const attempts: number[] = []
      consume(queue, async (j) => {
        attempts.push(j.attempt)
        return { ok: false, permanent: true, error: 'HTTP 400' }
      })
      await queue.enqueue(newJob({ maxAttempts: 5 }))
      await waitFor(async () => (await queue.list({ state: 'dead' })).length === 1)
      expect(attempts).toEqual([1])
    })

    it('answers false to retry and drop of an unknown job', async () => {
      const queue = await make()
      expect(await queue.retry('nope')).toBe(false)
      expect(await queue.drop('nope')).toBe(false)
    })

    it('never has more deliveries in flight than its concurrency', async () => {
      const queue = await make()
      let inFlight = 0
      let peak = 0
      let done = 0
      consume(
        queue,
        async () => {
          peak = Math.max(peak, ++inFlight)
          await new Promise((r) => setTimeout(r, 30))
          inFlight--
          done++
          return { ok: true }
        },
        2,
      )
      for (let i = 0; i < 8; i++) await queue.enqueue(newJob())
      await waitFor(() => done === 8)
      expect(peak).toBe(2)
    })

    it('stop waits for the deliveries in flight', async () => {
      const queue = await make()
      let finished = false
      let started = false
      const consumer = consume(queue, async () => {
        started = true
        await new Promise((r) => setTimeout(r, 100))
        finished = true
        return { ok: true }
      })
      await queue.enqueue(newJob())
      await waitFor(() => started)
      await consumer.stop()
      expect(finished).toBe(true)
    })

    it('counts its jobs by state: queued, active, dead', async () => {
      const queue = await make()
      expect(await queue.counts()).toEqual({ queued: 0, active: 0, dead: 0 })
      await queue.enqueue(newJob({ route: 'doomed', maxAttempts: 1 }))
      await queue.enqueue(newJob({ route: 'doomed', maxAttempts: 1 }))
      expect(await queue.counts()).toEqual({ queued: 2, active: 0, dead: 0 })
      const release: Array<() => void> = []
      consume(
        queue,
        async (j) => {
          if (j.route === 'doomed') return { ok: false, permanent: false, error: 'HTTP 500' }
          await new Promise<void>((r) => release.push(r))
          return { ok: true }
        },
        1,
      )
      await waitFor(async () => (await queue.counts()).dead === 2)
      // One slot: one job is held active while the other waits queued.
      await queue.enqueue(newJob())
      await queue.enqueue(newJob())
      await waitFor(() => release.length === 1)
      expect(await queue.counts()).toEqual({ queued: 1, active: 1, dead: 2 })
      release.shift()?.()
      await waitFor(() => release.length === 1)
      release.shift()?.()
      await waitFor(async () => {
        const c = await queue.counts()
        return c.queued === 0 && c.active === 0
      })
      expect(await queue.counts()).toEqual({ queued: 0, active: 0, dead: 2 })
    })

    it('answers ping', async () => {
      const queue = await make()
      await expect(queue.ping()).resolves.toBeUndefined()
    })
  })
}

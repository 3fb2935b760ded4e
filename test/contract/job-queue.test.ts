import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createBullmqJobQueue } from '../../src/dispatch/job-queue.bullmq.js'
import { createSqliteJobQueue } from '../../src/dispatch/job-queue.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js'
import { buryLeakyJob, describeJobQueue, LEAKED_SECRETS, newJob, waitFor } from './job-queue.contract.js'

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'slackgate-queue-')), 'sg.db')
}

describeJobQueue('sqlite', async (settings) => {
  const db = openSqliteDatabase(tempDb())
  return { queue: createSqliteJobQueue(db, { pollIntervalMs: 20, ...settings }), cleanup: async () => db.close() }
})

describe('sqlite JobQueue', () => {
  it('an enqueued job is on disk once enqueue resolves', async () => {
    const file = tempDb()
    const db = openSqliteDatabase(file)
    const job = newJob()
    await createSqliteJobQueue(db).enqueue(job)
    // A second connection, as another process would see the file.
    const reader = openSqliteDatabase(file)
    expect(await createSqliteJobQueue(reader).list()).toEqual([expect.objectContaining({ id: job.id, state: 'queued' })])
    reader.close()
    db.close()
  })

  it('delivers again, after a restart, a job that was being delivered when the process died', async () => {
    const file = tempDb()
    const db = openSqliteDatabase(file)
    const queue = createSqliteJobQueue(db, { pollIntervalMs: 20 })
    const job = newJob()
    await queue.enqueue(job)
    let started = false
    queue.consume(
      async () => {
        started = true
        return new Promise(() => undefined) // never settles: the process "dies" mid-delivery
      },
      { concurrency: 1 },
    )
    await waitFor(() => started)
    db.close()

    const reopened = openSqliteDatabase(file)
    const again = createSqliteJobQueue(reopened, { pollIntervalMs: 20 })
    expect(await again.list({ state: 'active' })).toHaveLength(1)
    const seen: number[] = []
    const consumer = again.consume(
      async (j) => {
        seen.push(j.attempt)
        return { ok: true }
      },
      { concurrency: 1 },
    )
    await waitFor(() => seen.length === 1)
    expect(seen).toEqual([2])
    await consumer.stop()
    reopened.close()
  })

  it('keeps its idempotency keys across a restart', async () => {
    const file = tempDb()
    const db = openSqliteDatabase(file)
    const job = newJob()
    expect(await createSqliteJobQueue(db).enqueue(job)).toBe('enqueued')
    db.close()
    const reopened = openSqliteDatabase(file)
    expect(await createSqliteJobQueue(reopened).enqueue({ ...newJob(), idempotencyKey: job.idempotencyKey })).toBe('duplicate')
    reopened.close()
  })

  describe('hand-off to a consumer in this process', () => {
    it('delivers a job it holds without taking it first, marks the attempt in the next batch, and a crash mid-delivery still redelivers it', async () => {
      const file = tempDb()
      const db = openSqliteDatabase(file)
      // A poll interval far beyond the test: only the hand-off can deliver this job.
      const queue = createSqliteJobQueue(db, { pollIntervalMs: 60_000 })
      let started = 0
      queue.consume(
        async () => {
          started++
          return new Promise(() => undefined) // the process "dies" mid-delivery
        },
        { concurrency: 1 },
      )
      await new Promise((r) => setTimeout(r, 20))
      const job = newJob()
      await queue.enqueue(job)
      await waitFor(() => started === 1)
      // The attempt is written behind the delivery, by the next batch.
      await waitFor(async () => (await queue.list())[0]?.state === 'active')
      expect(await queue.list()).toEqual([expect.objectContaining({ id: job.id, state: 'active', attempts: 1 })])
      db.close()

      const reopened = openSqliteDatabase(file)
      const again = createSqliteJobQueue(reopened, { pollIntervalMs: 20 })
      const seen: Array<{ attempt: number; payload: unknown }> = []
      const consumer = again.consume(
        async (j) => {
          seen.push({ attempt: j.attempt, payload: j.payload })
          return { ok: true }
        },
        { concurrency: 1 },
      )
      await waitFor(() => seen.length === 1)
      expect(seen).toEqual([{ attempt: 2, payload: job.payload }])
      await consumer.stop()
      reopened.close()
    })

    it('hands over no more jobs than free slots; the rest wait queued and are taken as slots free up', async () => {
      const db = openSqliteDatabase(tempDb())
      const queue = createSqliteJobQueue(db, { pollIntervalMs: 60_000 })
      let inFlight = 0
      let most = 0
      const release: Array<() => void> = []
      const delivered: string[] = []
      const consumer = queue.consume(
        async (j) => {
          inFlight++
          most = Math.max(most, inFlight)
          await new Promise<void>((r) => release.push(r))
          inFlight--
          delivered.push(j.id)
          return { ok: true }
        },
        { concurrency: 2 },
      )
      await new Promise((r) => setTimeout(r, 20))
      const jobs = Array.from({ length: 6 }, () => newJob())
      await Promise.all(jobs.map((j) => queue.enqueue(j)))
      await waitFor(() => release.length === 2)
      await waitFor(async () => (await queue.list({ state: 'active' })).length === 2)
      expect((await queue.list({ state: 'queued' })).length).toBe(4)
      while (delivered.length < 6) {
        release.shift()?.()
        await new Promise((r) => setTimeout(r, 5))
      }
      expect(most).toBe(2)
      expect(new Set(delivered)).toEqual(new Set(jobs.map((j) => j.id)))
      expect(await queue.list()).toEqual([])
      await consumer.stop()
      db.close()
    })

    it('leaves a job queued, attempt not counted, when its consumer stopped while it was being stored', async () => {
      const db = openSqliteDatabase(tempDb())
      const queue = createSqliteJobQueue(db, { pollIntervalMs: 60_000 })
      let delivered = 0
      const consumer = queue.consume(
        async () => {
          delivered++
          return { ok: true }
        },
        { concurrency: 1 },
      )
      await new Promise((r) => setTimeout(r, 20))
      const job = newJob()
      const enqueued = queue.enqueue(job)
      // The job's write is gathered for the next batch; the consumer stops before it lands.
      await new Promise((r) => setImmediate(r))
      await consumer.stop()
      await enqueued
      await waitFor(async () => (await queue.list({ state: 'queued' })).length === 1)
      expect(await queue.list()).toEqual([expect.objectContaining({ id: job.id, state: 'queued', attempts: 0 })])
      expect(delivered).toBe(0)
      db.close()
    })
  })

  it("stores only the scrubbed error in the last_error column", async () => {
    const db = openSqliteDatabase(tempDb())
    const queue = createSqliteJobQueue(db, { pollIntervalMs: 20 })
    await buryLeakyJob(queue)
    const rows = db.handle.prepare('SELECT last_error FROM jobs').all() as Array<{ last_error: string }>
    expect(rows).toHaveLength(1)
    expect(rows[0]?.last_error).toContain('[redacted]')
    for (const secret of LEAKED_SECRETS) expect(rows[0]?.last_error).not.toContain(secret)
    db.close()
  })

  it('rejects enqueue once its database is closed (the gateway then answers 503)', async () => {
    const db = openSqliteDatabase(':memory:')
    const queue = createSqliteJobQueue(db)
    db.close()
    await expect(queue.enqueue(newJob())).rejects.toThrow()
  })
})

describeJobQueue(
  'bullmq',
  async (settings) => {
    const prefix = uniquePrefix().replace(/:$/, '')
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    const workerConnections: Redis[] = []
    const queue = createBullmqJobQueue({
      connection,
      workerConnection: () => {
        const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
        workerConnections.push(c)
        return c
      },
      prefix,
      ...settings,
    })
    return {
      queue,
      cleanup: async () => {
        const keys = await connection.keys(`${prefix}:*`)
        if (keys.length > 0) await connection.del(...keys)
        connection.disconnect()
        for (const c of workerConnections) c.disconnect()
      },
    }
  },
  { skip: !redisAvailable },
)

describe.skipIf(!redisAvailable)('bullmq JobQueue', () => {
  it('stores only the scrubbed error in Redis: the failed reason and the stack trace', async () => {
    const prefix = uniquePrefix().replace(/:$/, '')
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    const worker = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
    const queue = createBullmqJobQueue({ connection, workerConnection: () => worker, prefix })
    await buryLeakyJob(queue)
    await queue.close()
    const keys = await connection.keys(`${prefix}:*`)
    const stored = JSON.stringify(
      await Promise.all(keys.map(async (k) => ((await connection.type(k)) === 'hash' ? connection.hgetall(k) : null))),
    )
    expect(stored).toContain('[redacted]')
    for (const secret of LEAKED_SECRETS) expect(stored).not.toContain(secret)
    if (keys.length > 0) await connection.del(...keys)
    connection.disconnect()
  })
})

describe('sqlite JobQueue under a backlog', () => {
  it('delivers jobs enqueued past its in-memory list at full speed, not a poll at a time', async () => {
    const db = openSqliteDatabase(tempDb())
    // A poll that never comes during the test: only the consumer's own scans can take them.
    const queue = createSqliteJobQueue(db, { maxListed: 10, pollIntervalMs: 600_000 })
    let open: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (open = resolve))
    const delivered = new Set<string>()
    const consumer = queue.consume(async (job) => {
      await gate
      delivered.add(job.id)
      return { ok: true }
    }, { concurrency: 4 })
    const ids: string[] = []
    for (let i = 0; i < 200; i++) {
      const job = newJob()
      ids.push(job.id)
      await queue.enqueue(job)
    }
    open()
    await waitFor(() => delivered.size === ids.length, 5000)
    await consumer.stop()
    await queue.close()
    db.close()
  })
})

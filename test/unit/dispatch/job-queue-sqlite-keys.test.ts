import { describe, expect, it } from 'vitest'
import { createSqliteJobQueue } from '../../../src/dispatch/job-queue.sqlite.js'
import { NonceStoreFullError } from '../../../src/replay/nonce-store.js'
import { openSqliteDatabase } from '../../../src/storage/sqlite-database.js'

const job = (n: number) => ({
  id: `job-${n}`,
  route: 'r',
  idempotencyKey: `trigger:${n}`,
  idempotencyTtlSeconds: 600,
  maxAttempts: 1,
  backoff: { baseDelayMs: 10, maxDelayMs: 10 },
  payload: { n },
})

describe('the embedded queue keeps at most maxKeys live idempotency keys', () => {
  it('refuses the enqueue past it with NonceStoreFullError, naming replay.maxKeys, and stores nothing', async () => {
    const db = openSqliteDatabase(':memory:')
    const queue = createSqliteJobQueue(db, { maxKeys: 1000 })
    for (let n = 0; n < 1000; n++) expect(await queue.enqueue(job(n))).toBe('enqueued')
    const refused = queue.enqueue(job(1000))
    await expect(refused).rejects.toBeInstanceOf(NonceStoreFullError)
    await expect(refused).rejects.toThrow(/raise replay.maxKeys/)
    expect(await queue.counts()).toEqual({ queued: 1000, active: 0, dead: 0 })
    await queue.close()
    db.close()
  })
})

import { Redis, type RedisOptions } from 'ioredis'
import type { AuditLog } from '../audit/audit-log.js'
import { createPostgresAuditLog } from '../audit/audit-log.postgres.js'
import { createSqliteAuditLog } from '../audit/audit-log.sqlite.js'
import type { StoreLocation } from '../config/load.js'
import { createBullmqJobQueue } from '../dispatch/job-queue.bullmq.js'
import type { JobQueue } from '../dispatch/job-queue.js'
import { createSqliteJobQueue } from '../dispatch/job-queue.sqlite.js'
import type { ReadinessCheck } from '../http/readiness.js'
import type { NonceStore } from '../replay/nonce-store.js'
import { createMemoryNonceStore } from '../replay/nonce-store.memory.js'
import { createRedisNonceStore } from '../replay/nonce-store.redis.js'
import { createSqliteNonceStore } from '../replay/nonce-store.sqlite.js'
import { acquireProcessLock, type ProcessLock } from '../storage/process-lock.js'
import { openSqliteDatabase, type SqliteDatabase } from '../storage/sqlite-database.js'

export interface Stores {
  readonly nonces: NonceStore
  readonly queue: JobQueue
  readonly audit: AuditLog
  readonly readiness: readonly ReadinessCheck[]
  /**
   * Resolves once every network store has connected, or after `timeoutMs` (a gateway starts
   * anyway, unready, answering 503 until its stores answer). Returns whether all connected.
   */
  connected(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

export interface OpenStoresOptions {
  readonly replay: StoreLocation
  readonly queue: StoreLocation
  readonly audit: StoreLocation
  /**
   * Take the embedded database's process lock (the gateway does; the CLI, which only reads
   * and re-drives, does not).
   */
  readonly exclusive: boolean
}

/**
 * Opens each port's adapter from its location: SQLite files (shared when both ports name
 * the same one), memory, or Redis. Redis clients fail fast while disconnected, so a request
 * gets its 503 at once instead of waiting for a reconnect.
 */
export function openStores(options: OpenStoresOptions): Stores {
  const databases = new Map<string, SqliteDatabase>()
  const locks: ProcessLock[] = []
  const redisClients: Redis[] = []
  const closers: Array<() => Promise<void>> = []

  function sqlite(path: string): SqliteDatabase {
    let db = databases.get(path)
    if (db === undefined) {
      db = openSqliteDatabase(path)
      if (options.exclusive && path !== ':memory:') locks.push(acquireProcessLock(`${path}.lock`))
      databases.set(path, db)
    }
    return db
  }

  function redis(url: string, blocking = false): Redis {
    const settings: RedisOptions = blocking
      ? // BullMQ's blocking worker connections must wait out an outage...
        { maxRetriesPerRequest: null }
      : // ...request-path ones must not: a down Redis is a 503 now, not a hung request.
        { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000 }
    const client = new Redis(url, settings)
    client.on('error', () => undefined)
    redisClients.push(client)
    return client
  }

  try {
    let nonces: NonceStore
    const replay = options.replay
    // Sharing the queue's file, a claim becomes durable with the job enqueued after it.
    const sharesQueueFile = replay.kind === 'sqlite' && options.queue.kind === 'sqlite' && options.queue.path === replay.path
    if (replay.kind === 'sqlite') nonces = createSqliteNonceStore(sqlite(replay.path), { durableClaims: !sharesQueueFile })
    else if (replay.kind === 'memory') nonces = createMemoryNonceStore()
    else nonces = createRedisNonceStore(redis(replay.url))
    closers.push(() => nonces.close())

    let queue: JobQueue
    const q = options.queue
    if (q.kind === 'sqlite') queue = createSqliteJobQueue(sqlite(q.path))
    else if (q.kind === 'redis') queue = createBullmqJobQueue({ connection: redis(q.url), workerConnection: () => redis(q.url, true) })
    else throw new Error('a queue must be durable: sqlite or redis')
    closers.push(() => queue.close())

    const a = options.audit
    let audit: AuditLog
    if (a.kind === 'sqlite') audit = createSqliteAuditLog(sqlite(a.path))
    else if (a.kind === 'postgres') audit = openPostgresAudit(a.url)
    else throw new Error('the audit log must be durable: sqlite or postgres')
    closers.push(() => audit.close())

    return {
      nonces,
      queue,
      audit,
      readiness: [
        { name: 'replay_store', check: () => nonces.ping() },
        { name: 'queue', check: () => queue.ping() },
        { name: 'audit', check: () => audit.ping() },
      ],
      async connected(timeoutMs) {
        const pending = redisClients.filter((c) => c.status !== 'ready')
        if (pending.length === 0) return true
        const all = Promise.all(pending.map((c) => new Promise<void>((resolve) => c.once('ready', () => resolve()))))
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
        const ok = await Promise.race([all.then(() => true), timeout])
        clearTimeout(timer)
        return ok
      },
      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined)
        for (const client of redisClients) client.disconnect()
        for (const db of databases.values()) db.close()
        for (const lock of locks) lock.release()
      },
    }
  } catch (err) {
    for (const close of closers.reverse()) void close().catch(() => undefined)
    for (const client of redisClients) client.disconnect()
    for (const db of databases.values()) db.close()
    for (const lock of locks) lock.release()
    throw err
  }
}

// Several gateways may share the database: the adapter keeps one chain across them.
function openPostgresAudit(url: string): AuditLog {
  return createPostgresAuditLog({ connectionString: url })
}

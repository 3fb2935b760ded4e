import type { AnswerStore } from '../ack/answer-store.js'
import { createMemoryAnswerStore } from '../ack/answer-store.memory.js'
import { createRedisAnswerStore } from '../ack/answer-store.redis.js'
import { createSqliteAnswerStore } from '../ack/answer-store.sqlite.js'
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
import { probePostgres, probeRedis } from './probe-store.js'
import type { InstallationStore } from '../vault/installation-store.js'
import { createPostgresInstallationStore } from '../vault/installation-store.postgres.js'
import { createSqliteInstallationStore } from '../vault/installation-store.sqlite.js'
import type { StoreFailure } from './store-problem.js'

/** Which port a store serves, as the config names its section. */
export type StorePort = 'replay' | 'queue' | 'audit'

/** How a network store answered at startup. */
export interface StoreProbe {
  readonly port: StorePort
  /** The store's URL without credentials. */
  readonly url: string
  readonly failure?: StoreFailure
}

export interface Stores {
  readonly nonces: NonceStore
  /** The answers given in acks, kept for duplicates (see ack/answer-store.ts). */
  readonly answers: AnswerStore
  readonly queue: JobQueue
  readonly audit: AuditLog
  /** The token vault's row store, when a location was given. */
  readonly installations?: InstallationStore
  readonly readiness: readonly ReadinessCheck[]
  /** The Redis connections of the request path, one per distinct URL; for the namespace claim. */
  readonly redis: ReadonlyMap<string, Redis>
  /**
   * Waits, up to `timeoutMs`, for every network store to answer, and says how each did: one
   * that answered with a refusal (see store-problem.ts) is misconfigured at once; one still
   * silent at the deadline is unreachable (a gateway starts anyway, answering 503 until it
   * answers).
   */
  probe(timeoutMs: number): Promise<StoreProbe[]>
  close(): Promise<void>
}

export interface OpenStoresOptions {
  readonly replay: StoreLocation
  readonly queue: StoreLocation
  readonly audit: StoreLocation
  /** The token vault's store (sqlite or postgres); the CLI commands that do not need it leave it out. */
  readonly installations?: StoreLocation
  /**
   * Take the embedded database's process lock (the gateway does; the CLI, which only reads
   * and re-drives, does not).
   */
  readonly exclusive: boolean
  /** Prefix of every Redis key (queue and nonces), so deployments can share one Redis. */
  readonly namespace: string
  /** Most live replay keys an in-process store holds (`replay.maxKeys`). */
  readonly maxReplayKeys?: number
  /** Most jobs waiting or in delivery (`queue.maxBacklog`). */
  readonly maxBacklog?: number
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
  /** What each Redis client reported while connecting, newest last (a few at most). */
  const redisErrors = new Map<Redis, unknown[]>()
  const requestClients = new Map<string, Redis>()
  const probes: Array<(timeoutMs: number) => Promise<StoreProbe>> = []
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
      : // ...request-path ones must not: a down Redis is a 503 now, not a hung request. The
        // commands of one event-loop turn (every request's nonce claims and job adds) go out
        // in one write and come back in one read: auto-pipelining.
        { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000, enableAutoPipelining: true }
    const client = new Redis(url, settings)
    const errors: unknown[] = []
    client.on('error', (err: unknown) => void (errors.push(err) > 4 && errors.shift()))
    redisErrors.set(client, errors)
    redisClients.push(client)
    return client
  }

  /** A Redis store for the request path, and its startup probe. */
  function redisStore(port: StorePort, url: string): Redis {
    const client = redis(url)
    if (!requestClients.has(url)) requestClients.set(url, client)
    probes.push((timeoutMs) => probeRedis(port, url, client, redisErrors.get(client) ?? [], timeoutMs))
    return client
  }

  try {
    let nonces: NonceStore
    const replay = options.replay
    // Sharing the queue's file, a claim becomes durable with the job enqueued after it.
    const sharesQueueFile = replay.kind === 'sqlite' && options.queue.kind === 'sqlite' && options.queue.path === replay.path
    const maxKeys = options.maxReplayKeys
    const capped = maxKeys === undefined ? {} : { maxEntries: maxKeys }
    const replayClient = replay.kind === 'redis' ? redisStore('replay', replay.url) : undefined
    if (replay.kind === 'sqlite') nonces = createSqliteNonceStore(sqlite(replay.path), { durableClaims: !sharesQueueFile, ...capped })
    else if (replay.kind === 'memory') nonces = createMemoryNonceStore(capped)
    else nonces = createRedisNonceStore(replayClient as Redis, { prefix: `${options.namespace}:nonce:` })
    closers.push(() => nonces.close())
    // Answers given in acks live where the replay keys do: a duplicate finds both together.
    const answers: AnswerStore =
      replay.kind === 'sqlite'
        ? createSqliteAnswerStore(sqlite(replay.path))
        : replay.kind === 'memory'
          ? createMemoryAnswerStore()
          : createRedisAnswerStore(replayClient as Redis, { prefix: `${options.namespace}:ack:` })
    closers.push(() => answers.close())

    let queue: JobQueue
    const q = options.queue
    const bound = options.maxBacklog === undefined ? {} : { maxBacklog: options.maxBacklog }
    if (q.kind === 'sqlite') queue = createSqliteJobQueue(sqlite(q.path), { ...bound, ...(maxKeys !== undefined && { maxKeys }) })
    else if (q.kind === 'redis') {
      queue = createBullmqJobQueue({ connection: redisStore('queue', q.url), workerConnection: () => redis(q.url, true), prefix: options.namespace, ...bound })
    } else throw new Error('a queue must be durable: sqlite or redis')
    closers.push(() => queue.close())

    const a = options.audit
    let audit: AuditLog
    if (a.kind === 'sqlite') audit = createSqliteAuditLog(sqlite(a.path))
    else if (a.kind === 'postgres') {
      const log = openPostgresAudit(a.url)
      probes.push((timeoutMs) => probePostgres(a.url, log, timeoutMs))
      audit = log
    } else throw new Error('the audit log must be durable: sqlite or postgres')
    closers.push(() => audit.close())

    const v = options.installations
    let installations: InstallationStore | undefined
    if (v?.kind === 'sqlite') {
      // A file of the vault alone takes no process lock: its writes are safe from several processes (lease locks, compare and swap).
      let db = databases.get(v.path)
      if (db === undefined) databases.set(v.path, (db = openSqliteDatabase(v.path)))
      installations = createSqliteInstallationStore(db)
    }
    else if (v?.kind === 'postgres') installations = createPostgresInstallationStore({ connectionString: v.url })
    else if (v !== undefined) throw new Error('the vault must be durable: sqlite or postgres')
    if (installations !== undefined) closers.push(() => (installations as InstallationStore).close())

    return {
      nonces,
      answers,
      queue,
      audit,
      ...(installations !== undefined && { installations }),
      readiness: [
        { name: 'replay_store', check: () => nonces.ping() },
        { name: 'queue', check: () => queue.ping() },
        { name: 'audit', check: () => audit.ping() },
      ],
      redis: requestClients,
      probe: (timeoutMs) => Promise.all(probes.map((p) => p(timeoutMs))),
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

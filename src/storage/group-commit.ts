import type { SqliteHandle } from './sqlite-handle.js'

export interface WriteOptions {
  /**
   * Resolve only once the write is on disk (the default). `false` resolves right after the
   * COMMIT, for bookkeeping a crash may lose without harm (a delivery attempt being taken or
   * settled: after a crash the job is delivered again, which it would be anyway).
   */
  readonly durable?: boolean
  /**
   * The operation leaves nothing behind when it throws: it runs one statement, which SQLite
   * makes atomic, or it undoes its own earlier statements before rethrowing (and throws
   * BatchAbortError if it cannot). It needs no savepoint of its own to roll back alone.
   */
  readonly atomic?: boolean
}

interface Pending {
  readonly op: () => unknown
  readonly durable: boolean
  readonly savepoint: boolean
  readonly resolve: (value: unknown) => void
  readonly reject: (err: unknown) => void
}

type Settle = (syncError: unknown) => void

/**
 * Makes everything committed so far durable, off the event loop (an fdatasync of the
 * write-ahead log on libuv's thread pool), and calls back once it is.
 */
export type DurableSync = (done: (err: Error | null) => void) => void

/**
 * Thrown by an operation that could not undo its own partial writes: the whole batch rolls
 * back and every operation in it rejects, rather than commit half of one.
 */
export class BatchAbortError extends Error {
  override readonly name = 'BatchAbortError'
}

/** The writer was closed; nothing more is written. */
export class WriterClosedError extends Error {
  override readonly name = 'WriterClosedError'
}

/**
 * Group commit for SQLite. Every write submitted during one turn of the event loop runs in
 * a single transaction; each operation runs in its own savepoint (unless it is `atomic`), so
 * one that throws rolls back alone and rejects its own promise, and a failed COMMIT (or a
 * BatchAbortError) rejects the whole batch.
 *
 * Durability is decoupled from the commit: the COMMIT itself does not wait for the disk
 * (synchronous=NORMAL), and a batch's promises resolve only after a `DurableSync` that began
 * after its COMMIT has completed. While one sync is in flight the event loop keeps serving
 * requests, and every batch committed meanwhile shares the next sync: "resolved" still means
 * "on disk", with one fsync per group and none on the event loop.
 *
 * A failed sync leaves the page cache in a state nobody can trust (the kernel may have
 * dropped the dirty pages): the writer then refuses every further write, so the gateway
 * fails closed until it is restarted.
 */
export class GroupCommitWriter {
  #pending: Pending[] = []
  #scheduled = false
  #closed = false
  #failed: unknown = undefined
  /** Batches committed and waiting for a sync that starts after their COMMIT. */
  #awaitingSync: Settle[] = []
  #syncing = false
  readonly #sync: DurableSync | undefined
  readonly #batch: (ops: Pending[]) => Array<{ ok: boolean; value: unknown }>

  /** Without `sync` (an in-memory database), a batch is settled as soon as it is committed. */
  constructor(db: SqliteHandle, sync?: DurableSync) {
    this.#sync = sync
    const savepoint = db.transaction((op: () => unknown) => op())
    this.#batch = db.transaction((ops: Pending[]) =>
      ops.map((p) => {
        try {
          return { ok: true, value: p.savepoint ? savepoint(p.op) : p.op() }
        } catch (err) {
          if (err instanceof BatchAbortError) throw err
          return { ok: false, value: err }
        }
      }),
    )
  }

  /** Throws what `run` would reject with at once: the writer is closed, or a sync failed. */
  assertWritable(): void {
    if (this.#failed !== undefined) throw this.#failed
    if (this.#closed) throw new WriterClosedError('the database is closed')
  }

  /** Queues `op` for the next batch; resolves with its result once the batch is durable. */
  run<T>(op: () => T, options: WriteOptions = {}): Promise<T> {
    try {
      this.assertWritable()
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        op,
        durable: options.durable ?? true,
        savepoint: options.atomic !== true,
        resolve: resolve as (v: unknown) => void,
        reject,
      })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(this.#flush)
      }
    })
  }

  /** Commits what is queued, then refuses further writes. A sync in flight still settles its batches. */
  close(): void {
    if (this.#scheduled) this.#flush()
    this.#closed = true
  }

  readonly #flush = (): void => {
    this.#scheduled = false
    const ops = this.#pending
    if (ops.length === 0) return
    this.#pending = []
    if (this.#failed !== undefined) {
      for (const p of ops) p.reject(this.#failed)
      return
    }
    let results: Array<{ ok: boolean; value: unknown }>
    try {
      results = this.#batch(ops)
    } catch (err) {
      for (const p of ops) p.reject(err)
      return
    }
    let durable = 0
    ops.forEach((p, i) => {
      if (p.durable) durable++
      else settleOne(p, results[i], undefined)
    })
    if (durable === 0) return
    this.#whenDurable((syncError) => {
      ops.forEach((p, i) => p.durable && settleOne(p, results[i], syncError))
    })
  }

  #whenDurable(settle: Settle): void {
    if (this.#sync === undefined) return settle(undefined)
    this.#awaitingSync.push(settle)
    if (!this.#syncing) this.#startSync(this.#sync)
  }

  #startSync(sync: DurableSync): void {
    const group = this.#awaitingSync
    this.#awaitingSync = []
    this.#syncing = true
    sync((err) => {
      this.#syncing = false
      if (err !== null && this.#failed === undefined) this.#failed = err
      for (const settle of group) settle(this.#failed)
      if (this.#awaitingSync.length > 0) this.#startSync(sync)
    })
  }
}

function settleOne(p: Pending, result: { ok: boolean; value: unknown } | undefined, syncError: unknown): void {
  const r = result as { ok: boolean; value: unknown }
  if (syncError !== undefined) p.reject(syncError)
  else if (r.ok) p.resolve(r.value)
  else p.reject(r.value)
}

import type { SqliteHandle } from './sqlite-handle.js'

interface Pending {
  readonly op: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (err: unknown) => void
}

/** The writer was closed; nothing more is written. */
export class WriterClosedError extends Error {
  override readonly name = 'WriterClosedError'
}

/**
 * Group commit for SQLite: every write submitted during one turn of the event loop runs in
 * a single transaction, so one fsync (synchronous=FULL) makes a whole batch durable instead
 * of one per request. Each operation runs in its own savepoint: one that throws rolls back
 * alone and rejects its own promise. A failed COMMIT rejects the whole batch.
 * A promise resolves only after the COMMIT returned, so "resolved" means "on disk".
 */
export class GroupCommitWriter {
  #pending: Pending[] = []
  #scheduled = false
  #closed = false
  readonly #batch: (ops: Pending[]) => Array<{ ok: boolean; value: unknown }>

  constructor(db: SqliteHandle) {
    const savepoint = db.transaction((op: () => unknown) => op())
    this.#batch = db.transaction((ops: Pending[]) =>
      ops.map((p) => {
        try {
          return { ok: true, value: savepoint(p.op) }
        } catch (err) {
          return { ok: false, value: err }
        }
      }),
    )
  }

  /** Queues `op` for the next batch; resolves with its result once the batch is committed. */
  run<T>(op: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new WriterClosedError('the database is closed'))
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, resolve: resolve as (v: unknown) => void, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(this.#flush)
      }
    })
  }

  /** Commits what is queued, then refuses further writes. */
  close(): void {
    if (this.#scheduled) this.#flush()
    this.#closed = true
  }

  readonly #flush = (): void => {
    this.#scheduled = false
    const ops = this.#pending
    if (ops.length === 0) return
    this.#pending = []
    let results: Array<{ ok: boolean; value: unknown }>
    try {
      results = this.#batch(ops)
    } catch (err) {
      for (const p of ops) p.reject(err)
      return
    }
    ops.forEach((p, i) => {
      const r = results[i] as { ok: boolean; value: unknown }
      if (r.ok) p.resolve(r.value)
      else p.reject(r.value)
    })
  }
}

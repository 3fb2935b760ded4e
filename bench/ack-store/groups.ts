/**
 * What the designs share with the gateway's group commit (storage/group-commit.ts): writes
 * gathered over one turn of the event loop are committed together, and a committed batch is
 * settled by the next sync that starts after its commit; one sync in flight at a time, and
 * every batch committed meanwhile shares the next one.
 */
export class TurnBatches<T> {
  #items: T[] = []
  #scheduled = false
  #closed = false
  constructor(private readonly onBatch: (items: T[]) => void) {}

  /** Drops what is gathered and whatever comes later: the store behind is closing. */
  close(): void {
    this.#closed = true
    this.#items = []
  }

  add(item: T): void {
    if (this.#closed) return
    this.#items.push(item)
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      if (this.#closed) return
      const items = this.#items
      this.#items = []
      this.onBatch(items)
    })
  }
}

export class SyncGroups {
  #waiting: Array<(err: Error | null) => void> = []
  #syncing = false
  constructor(private readonly sync: (done: (err: Error | null) => void) => void) {}

  /** Calls `settle` once a sync that began after this call has completed. */
  afterNextSync(settle: (err: Error | null) => void): void {
    this.#waiting.push(settle)
    if (!this.#syncing) this.#start()
  }

  #start(): void {
    const group = this.#waiting
    this.#waiting = []
    this.#syncing = true
    this.sync((err) => {
      this.#syncing = false
      for (const settle of group) settle(err)
      if (this.#waiting.length > 0) this.#start()
    })
  }
}

/** A promise and its settlers, for a request waiting on its batch. */
export interface Waiter {
  resolve(): void
  reject(err: unknown): void
}

export type KeyClaim = 'first' | 'duplicate' | 'full'

/**
 * A bounded in-memory set of keys, each live until its expiry (epoch ms). Decisions are
 * synchronous, so on one event loop a claim is atomic by construction. Map order is
 * insertion order, which is expiry order when TTLs are alike: sweeping stops at the first
 * live key instead of walking the whole set.
 */
export class ExpiringKeys {
  readonly #expiries = new Map<string, number>()

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#expiries.size
  }

  /** Records `key` until `expiresAt` unless it is live already, or the set is full of live keys. */
  claim(key: string, at: number, expiresAt: number): KeyClaim {
    const current = this.#expiries.get(key)
    if (current !== undefined && current > at) return 'duplicate'
    if (current === undefined && this.#expiries.size >= this.maxEntries) {
      this.sweep(at, true)
      if (this.#expiries.size >= this.maxEntries) return 'full'
    }
    // Delete first so that the key moves to the end, keeping Map order close to expiry order.
    this.#expiries.delete(key)
    this.#expiries.set(key, expiresAt)
    return 'first'
  }

  /** Restores a key read back from disk; of two records of one key, the later expiry wins. */
  restore(key: string, expiresAt: number): void {
    const current = this.#expiries.get(key)
    if (current === undefined || current < expiresAt) this.#expiries.set(key, expiresAt)
  }

  /** The key's expiry, if it is held (live or not yet swept). */
  expiryOf(key: string): number | undefined {
    return this.#expiries.get(key)
  }

  forget(key: string): void {
    this.#expiries.delete(key)
  }

  /** Drops expired keys from the front; `everywhere` walks the whole set (TTLs that differ). */
  sweep(at: number, everywhere = false): void {
    for (const [key, expiresAt] of this.#expiries) {
      if (expiresAt <= at) this.#expiries.delete(key)
      else if (!everywhere) return
    }
  }
}

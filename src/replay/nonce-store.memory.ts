import { NonceStoreFullError, type ClaimResult, type NonceStore } from './nonce-store.js'

export interface MemoryNonceStoreOptions {
  /** Most keys held at once (default 100,000). When full of live keys, claims reject. */
  readonly maxEntries?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

/**
 * In-process NonceStore for tests and single-process use. It forgets everything on restart,
 * so the embedded default is the SQLite store; use this one only where that is acceptable.
 */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): NonceStore {
  const maxEntries = options.maxEntries ?? 100_000
  const now = options.now ?? Date.now
  const expiries = new Map<string, number>()

  function sweep(at: number): void {
    for (const [key, expiresAt] of expiries) if (expiresAt <= at) expiries.delete(key)
  }

  return {
    async claim(key, ttlSeconds) {
      const at = now()
      const expiresAt = expiries.get(key)
      if (expiresAt !== undefined && expiresAt > at) return 'duplicate' satisfies ClaimResult
      if (expiresAt === undefined && expiries.size >= maxEntries) {
        sweep(at)
        if (expiries.size >= maxEntries) throw new NonceStoreFullError(`nonce store holds ${maxEntries} live keys`)
      }
      // Delete first so that Map order stays close to expiry order.
      expiries.delete(key)
      expiries.set(key, at + ttlSeconds * 1000)
      return 'first'
    },
    async release(key) {
      expiries.delete(key)
    },
    async ping() {},
    async close() {
      expiries.clear()
    },
  }
}

import { ExpiringKeys } from '../storage/expiring-keys.js'
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
  let keys = new ExpiringKeys(maxEntries)

  return {
    async claim(key, ttlSeconds): Promise<ClaimResult> {
      const at = now()
      const verdict = keys.claim(key, at, at + ttlSeconds * 1000)
      if (verdict === 'full') throw new NonceStoreFullError(maxEntries)
      return verdict
    },
    async release(key) {
      keys.forget(key)
    },
    async ping() {},
    keyCount: () => ({ live: keys.size, max: maxEntries }),
    async close() {
      keys = new ExpiringKeys(maxEntries)
    },
  }
}

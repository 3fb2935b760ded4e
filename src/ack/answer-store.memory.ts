import type { AnswerStore, StoredAnswer } from './answer-store.js'

export interface MemoryAnswerStoreOptions {
  /** Most answers held at once (default 100,000). When full, expired ones go first, then the oldest. */
  readonly maxEntries?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

interface Entry {
  readonly answer: StoredAnswer
  readonly expiresAt: number
}

/**
 * In-process AnswerStore for tests and as a fallback. It forgets everything on restart and
 * shares nothing with other instances. Unlike the nonce store it evicts rather than refuses
 * when full: an evicted answer leaves a duplicate without its stored reply, but the replay
 * defense itself (the nonce store) is untouched.
 */
export function createMemoryAnswerStore(options: MemoryAnswerStoreOptions = {}): AnswerStore {
  const maxEntries = options.maxEntries ?? 100_000
  const now = options.now ?? Date.now
  // Map order is insertion order: the oldest first, and expiry order when TTLs are alike.
  let entries = new Map<string, Entry>()
  /** No entry expires before this (a lower bound): until then, a full scan would find nothing. */
  let earliestExpiry = Infinity

  /** Drops expired entries from the front, stopping at the first live one. */
  function sweepFront(at: number): void {
    for (const [key, entry] of entries) {
      if (entry.expiresAt > at) return
      entries.delete(key)
    }
  }

  /** Makes room for one entry: expired ones anywhere first, then the oldest. */
  function makeRoom(at: number): void {
    if (at >= earliestExpiry) {
      earliestExpiry = Infinity
      for (const [key, entry] of entries) {
        if (entry.expiresAt <= at) entries.delete(key)
        else earliestExpiry = Math.min(earliestExpiry, entry.expiresAt)
      }
    }
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) return
      entries.delete(key)
    }
  }

  return {
    async put(key, answer, ttlSeconds) {
      const at = now()
      sweepFront(at)
      const current = entries.get(key)
      if (current !== undefined && current.expiresAt > at) return false
      entries.delete(key)
      if (entries.size >= maxEntries) makeRoom(at)
      const expiresAt = at + ttlSeconds * 1000
      earliestExpiry = Math.min(earliestExpiry, expiresAt)
      entries.set(key, { answer: { status: answer.status, body: answer.body }, expiresAt })
      return true
    },
    async get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt > now()) return entry.answer
      entries.delete(key)
      return undefined
    },
    async ping() {},
    async close() {
      entries = new Map()
      earliestExpiry = Infinity
    },
  }
}

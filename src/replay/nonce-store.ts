/** Whether a key was claimed now for the first time, or had already been claimed. */
export type ClaimResult = 'first' | 'duplicate'

/**
 * The replay defense's memory: a set of keys, each remembered for a TTL. `claim` is atomic:
 * of any number of concurrent claims of one key, across processes where the adapter is
 * shared, exactly one gets `first`. An adapter that cannot answer rejects; the gateway
 * then fails closed (503) rather than letting a possible replay through.
 */
export interface NonceStore {
  claim(key: string, ttlSeconds: number): Promise<ClaimResult>
  /** Forgets a key this caller claimed, when the work it guarded could not be accepted. */
  release(key: string): Promise<void>
  /** Resolves when the store answers; for /readyz. */
  ping(): Promise<void>
  /** Live keys held, and the most it holds, where the store keeps them in this process; for `/metrics`. */
  readonly keyCount?: () => { readonly live: number; readonly max: number }
  close(): Promise<void>
}

/** Most live keys an in-process key set holds unless configured (`replay.maxKeys`). */
export const DEFAULT_MAX_REPLAY_KEYS = 2_000_000

/**
 * The store is full of unexpired keys: refusing is safer than forgetting one. The message
 * says what to change; it holds no key.
 */
export class NonceStoreFullError extends Error {
  override readonly name = 'NonceStoreFullError'
  constructor(readonly maxKeys: number) {
    super(
      `the replay store holds its maximum of ${maxKeys} live keys: raise replay.maxKeys (at least 2 × peak requests/s × replay.ttlSeconds) or lower replay.ttlSeconds`,
    )
  }
}

import type { WrappedDataKey } from './envelope.js'

/** The sealed values of an installation, by slot. */
export const TOKEN_SLOTS = ['bot.token', 'bot.refreshToken', 'user.token', 'user.refreshToken'] as const

export type TokenSlotName = (typeof TOKEN_SLOTS)[number]

/**
 * One installation as a store keeps it: its description in clear (no token), and each token
 * sealed (envelope.ts). An adapter never sees a token in clear.
 */
export interface StoredInstallation {
  readonly key: string
  /** The installation without its tokens, as JSON (see stored-installation.ts). */
  readonly metadata: string
  readonly sealed: Readonly<Partial<Record<TokenSlotName, string>>>
  /** Epoch milliseconds of the last write. */
  readonly updatedAt: number
}

export interface StoreLockOptions {
  /** How long to wait for the lock before `vault_lock_timeout` (default 30 s). */
  readonly waitMs?: number
}

/**
 * The row store under the vault (vault.ts): SQLite for the embedded default, PostgreSQL for
 * several instances. The vault encrypts and decrypts; the store keeps rows, the wrapped data
 * key and the per-installation locks.
 */
export interface InstallationStore {
  /** Inserts or replaces the row with this key. */
  put(row: StoredInstallation): Promise<void>
  get(key: string): Promise<StoredInstallation | undefined>
  /** Every row, by key. */
  list(): Promise<StoredInstallation[]>
  delete(key: string): Promise<boolean>
  readDataKey(): Promise<WrappedDataKey | undefined>
  /** Stores `key` unless a data key exists; returns the one stored (the first writer's, if two race). */
  initDataKey(key: WrappedDataKey): Promise<WrappedDataKey>
  /**
   * Replaces the data key's wrapping, only if it is still wrapped under `expectedMasterKeyId`
   * (compare and swap: two rewraps at once cannot both win). False if it was not.
   */
  rewrapDataKey(expectedMasterKeyId: string, next: WrappedDataKey): Promise<boolean>
  /**
   * Runs `fn` holding the lock named `key` across processes and instances, and releases it
   * however `fn` ends. Never a transaction held open across `fn` (see Vault.withLock).
   */
  withLock<T>(key: string, fn: () => Promise<T>, options?: StoreLockOptions): Promise<T>
  ping(): Promise<void>
  close(): Promise<void>
}

import type { Installation, InstallationQuery, InstallationSummary, TokenKind } from './installation.js'

/**
 * The token vault: installations with their tokens encrypted at rest (AES-256-GCM under a
 * data key, itself wrapped by the master key; see envelope.ts), over an InstallationStore
 * adapter (SQLite for the embedded default, PostgreSQL for several instances). This one
 * wrapper encrypts and decrypts, so no adapter ever sees a token in clear.
 */
export interface Vault {
  /** Stores (or replaces) an installation, its tokens encrypted. */
  save(installation: Installation): Promise<void>
  /** The installation for a request: its workspace's own, else its organisation's org-wide one. */
  find(query: InstallationQuery): Promise<Installation | undefined>
  get(key: string): Promise<Installation | undefined>
  list(): Promise<InstallationSummary[]>
  /**
   * Wipes the tokens of the given kinds (`tokens_revoked`), or the whole installation when
   * `kinds` is every kind it has (`app_uninstalled`): a revoked token is never used again.
   * False if there was nothing to wipe.
   */
  revoke(key: string, kinds: readonly TokenKind[]): Promise<boolean>
  delete(key: string): Promise<boolean>
  /**
   * Runs `fn` holding the installation's lock, across processes and instances: `fn` reads
   * the current installation and may replace it before the lock is released. Used by token
   * refresh, so that concurrent callers produce one refresh exchange. `fn` awaits Slack, so
   * the lock is never a SQLite write transaction (that would stall every other write of the
   * file, the ack path's included): a lease row taken by an atomic UPDATE, with an owner and
   * an expiry, in SQLite; a row lock or an advisory lock on a client of its own in PostgreSQL.
   */
  withLock<T>(key: string, fn: (current: Installation | undefined) => Promise<LockedUpdate<T>>): Promise<T>
  ping(): Promise<void>
  close(): Promise<void>
}

export interface LockedUpdate<T> {
  /** The installation to store before the lock is released, if it changed. */
  readonly replace?: Installation
  readonly result: T
}

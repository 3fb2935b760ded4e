/**
 * The part of a better-sqlite3 `Database` that slackgate calls. Adapters depend on this
 * shape, not on the package, and receive the instance from their caller.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

export interface SqliteHandle {
  prepare(sql: string): SqliteStatement
  exec(sql: string): unknown
  pragma(sql: string, options?: { simple?: boolean }): unknown
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R
  close(): unknown
  readonly open: boolean
}

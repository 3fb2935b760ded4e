import { createHash } from 'node:crypto'
import pg from 'pg'
import type { WrappedDataKey } from './envelope.js'
import type { InstallationStore, StoredInstallation, TokenSlotName } from './installation-store.js'
import { DEFAULT_LOCK_WAIT_MS, waitForLock } from './lock-wait.js'

export interface PostgresInstallationStoreOptions {
  readonly connectionString: string
  /** Default `slackgate_installations`; the data key is kept in `<table>_data_key`. Lower-case letters, digits and `_`, at most 54. */
  readonly table?: string
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,53}$/

// As the audit log's pool: a database that is down turns into a 503 within seconds.
const POOL_SETTINGS = {
  max: 8,
  connectionTimeoutMillis: 2000,
  statement_timeout: 5000,
  query_timeout: 8000,
  keepAlive: true,
} satisfies pg.PoolConfig

const COLUMNS: ReadonlyArray<[TokenSlotName, string]> = [
  ['bot.token', 'bot_token'],
  ['bot.refreshToken', 'bot_refresh_token'],
  ['user.token', 'user_token'],
  ['user.refreshToken', 'user_refresh_token'],
]

/** Serialises schema creation of every installation table (CREATE TABLE IF NOT EXISTS races). */
const SCHEMA_LOCK = int32('slackgate-vault-schema')

interface Row {
  key: string
  metadata: string
  updated_at: string
  [column: string]: unknown
}

/**
 * The InstallationStore for several gateway instances, in PostgreSQL. The lock of an
 * installation is a session advisory lock, `pg_try_advisory_lock(<table>, hashtext(key))`,
 * taken on a pooled connection kept for the holder alone while `fn` runs, then unlocked and
 * given back; a holder whose connection dies loses it with the session. Waiters retry with a
 * short backoff rather than block, so a waiter holds no connection and no statement timeout
 * bounds the wait. No transaction stays open across `fn`.
 *
 * @example
 * const store = createPostgresInstallationStore({ connectionString: 'postgres://slackgate@db/slackgate' })
 */
export function createPostgresInstallationStore(options: PostgresInstallationStoreOptions): InstallationStore {
  const table = options.table ?? 'slackgate_installations'
  if (!TABLE_NAME.test(table)) throw new RangeError(`installation table name must match ${TABLE_NAME}`)
  const t = `"${table}"`
  const k = `"${table}_data_key"`
  const lockClass = int32(`slackgate-vault:${table}`)
  const pool = new pg.Pool({ connectionString: options.connectionString, ...POOL_SETTINGS })
  pool.on('error', () => undefined)
  let schema: Promise<void> | undefined

  function ensureSchema(): Promise<void> {
    // One simple-protocol query runs as one transaction: the schema lock is held until it ends.
    schema ??= pool
      .query(
        `SELECT pg_advisory_xact_lock(${SCHEMA_LOCK});
         CREATE TABLE IF NOT EXISTS ${t} (
           key TEXT PRIMARY KEY,
           metadata TEXT NOT NULL,
           ${COLUMNS.map(([, c]) => `${c} TEXT`).join(',\n')},
           updated_at BIGINT NOT NULL);
         CREATE TABLE IF NOT EXISTS ${k} (
           id INTEGER PRIMARY KEY CHECK (id = 1),
           master_key_id TEXT NOT NULL,
           wrapped TEXT NOT NULL);`,
      )
      .then(
        () => undefined,
        (err: unknown) => {
          schema = undefined
          throw err
        },
      )
    return schema
  }

  async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    await ensureSchema()
    return pool.query<R>(sql, params)
  }

  const readDataKey = async (): Promise<WrappedDataKey | undefined> => {
    const row = (await query<{ master_key_id: string; wrapped: string }>(`SELECT master_key_id, wrapped FROM ${k} WHERE id = 1`)).rows[0]
    return row === undefined ? undefined : { masterKeyId: row.master_key_id, wrapped: row.wrapped }
  }

  return {
    async put(row) {
      await query(
        `INSERT INTO ${t} (key, metadata, ${COLUMNS.map(([, c]) => c).join(', ')}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO UPDATE SET metadata = excluded.metadata, ${COLUMNS.map(([, c]) => `${c} = excluded.${c}`).join(', ')}, updated_at = excluded.updated_at`,
        [row.key, row.metadata, ...COLUMNS.map(([slot]) => row.sealed[slot] ?? null), row.updatedAt],
      )
    },
    async get(key) {
      const row = (await query<Row>(`SELECT * FROM ${t} WHERE key = $1`, [key])).rows[0]
      return row === undefined ? undefined : fromRow(row)
    },
    async list() {
      return (await query<Row>(`SELECT * FROM ${t} ORDER BY key`)).rows.map(fromRow)
    },
    async delete(key) {
      return ((await query(`DELETE FROM ${t} WHERE key = $1`, [key])).rowCount ?? 0) > 0
    },
    readDataKey,
    async initDataKey(key) {
      await query(`INSERT INTO ${k} (id, master_key_id, wrapped) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, [key.masterKeyId, key.wrapped])
      return (await readDataKey()) as WrappedDataKey
    },
    async rewrapDataKey(expected, next) {
      const result = await query(`UPDATE ${k} SET master_key_id = $1, wrapped = $2 WHERE id = 1 AND master_key_id = $3`, [next.masterKeyId, next.wrapped, expected])
      return result.rowCount === 1
    },
    async withLock(key, fn, lockOptions = {}) {
      await ensureSchema()
      let holder: pg.PoolClient | undefined
      const take = async () => {
        const client = await pool.connect()
        try {
          const { rows } = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS taken', [lockClass, key])
          if (rows[0]?.taken === true) {
            holder = client
            return true
          }
          client.release()
          return false
        } catch (err) {
          client.release(true)
          throw err
        }
      }
      await waitForLock(key, take, lockOptions.waitMs ?? DEFAULT_LOCK_WAIT_MS)
      const client = holder as pg.PoolClient
      let lost = false
      const onError = () => void (lost = true)
      client.on('error', onError)
      try {
        return await fn()
      } finally {
        client.removeListener('error', onError)
        // A connection that cannot unlock is closed instead: the session ends, and its lock with it.
        const unlocked = lost ? false : await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockClass, key]).then(() => true, () => false)
        client.release(!unlocked)
      }
    },
    async ping() {
      await query('SELECT 1')
    },
    async close() {
      await pool.end()
    },
  }
}

function fromRow(row: Row): StoredInstallation {
  const sealed: Partial<Record<TokenSlotName, string>> = {}
  for (const [slot, column] of COLUMNS) {
    const value = row[column]
    if (typeof value === 'string') sealed[slot] = value
  }
  return { key: row.key, metadata: row.metadata, sealed, updatedAt: Number(row.updated_at) }
}

/** A stable signed 32-bit integer for an advisory lock key. */
function int32(text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0)
}

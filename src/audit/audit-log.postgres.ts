import { createHash } from 'node:crypto'
import pg from 'pg'
import { AUDIT_COLUMNS, columnValues, recordFromRow, auditQueryFilter } from './audit-columns.js'
import type { AuditLog, AuditQuery } from './audit-log.js'
import type { AuditRecord } from './audit-record.js'
import { chainHash, GENESIS_HASH } from './chain.js'
import { AuditUnavailableError } from './errors.js'

export interface PostgresAuditLogOptions {
  readonly connectionString: string
  /** Default `slackgate_audit_log`. Lower-case letters, digits and `_`, at most 63. */
  readonly table?: string
  /** The most records one transaction inserts. Default 500. */
  readonly maxBatch?: number
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/
// PostgreSQL binds at most 65535 parameters to one statement.
const MAX_PARAMETERS = 65_535
const COLUMNS_PER_ROW = AUDIT_COLUMNS.length + 3
const SELECT_COLUMNS = `seq, ${AUDIT_COLUMNS.join(', ')}, prev_hash, hash`

// Small timeouts: a database that is down or stuck must turn into a 503 (fail closed) within
// seconds, not a request hanging on TCP retransmissions.
const POOL_SETTINGS = {
  max: 4,
  connectionTimeoutMillis: 2000,
  // Server side: bounds every statement, the wait for the chain lock included.
  statement_timeout: 5000,
  // Client side: a server that stops answering altogether.
  query_timeout: 8000,
  // A writer frozen mid-transaction must not keep the chain lock for ever.
  idle_in_transaction_session_timeout: 10_000,
  keepAlive: true,
} satisfies pg.PoolConfig

// Where CREATE TABLE puts an unqualified name: the first existing schema on the search_path.
const EXISTS_SQL = 'SELECT 1 FROM pg_catalog.pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace'

/** Serialises schema creation for every audit table: they share the trigger function. */
const SCHEMA_LOCK = advisoryKey('slackgate-audit-schema')

interface Pending {
  readonly record: AuditRecord
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/**
 * The shared AuditLog, for several gateways writing one chain in PostgreSQL.
 *
 * One chain across every writer: each batch is one transaction that first takes a
 * transaction-scoped advisory lock derived from the table name, then reads the head, links
 * its records to it (seq head+1, head+2, …) and inserts them in one statement. Appends, from
 * every process, are therefore serialised on that lock, and the chain follows commit order
 * with no fork and no gap (a batch that fails rolls back whole). We chose the lock over
 * retrying on a primary-key conflict (optimistic) because under load from several gateways
 * optimistic writers would keep losing the race and recomputing hashes; the lock queues them
 * instead, and batching keeps the number of turns small: appends arriving while a batch is
 * being written wait for the next one. The price is that writes do not run in parallel,
 * which an append-only chain cannot do anyway.
 *
 * An append resolves after COMMIT, which with PostgreSQL's default `synchronous_commit` is
 * after the WAL is flushed. A COMMIT whose answer is lost rejects, yet may have been applied:
 * Slack then retries, and the log holds the request twice, never zero times.
 *
 * The schema is created on first use, under an advisory lock so that gateways starting
 * together do not race; a trigger refuses UPDATE, DELETE and TRUNCATE. A role with only
 * SELECT and INSERT can use a table created beforehand.
 *
 * @example
 * const audit = createPostgresAuditLog({ connectionString: 'postgres://slackgate@db/slackgate' })
 * await audit.append({ at: Date.now(), kind: 'lifecycle', verdict: 'recorded' })
 */
export function createPostgresAuditLog(options: PostgresAuditLogOptions): AuditLog {
  const table = options.table ?? 'slackgate_audit_log'
  if (!TABLE_NAME.test(table)) throw new RangeError(`audit table name must match ${TABLE_NAME}`)
  const maxBatch = options.maxBatch ?? 500
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch * COLUMNS_PER_ROW > MAX_PARAMETERS) {
    throw new RangeError(`maxBatch must be an integer from 1 to ${Math.floor(MAX_PARAMETERS / COLUMNS_PER_ROW)}`)
  }
  // Quoted: the pattern allows reserved words such as `user`.
  const t = `"${table}"`
  const chainLock = advisoryKey(`slackgate-audit:${table}`)
  const headSql = `SELECT seq, hash FROM ${t} ORDER BY seq DESC LIMIT 1`

  const pool = new pg.Pool({ connectionString: options.connectionString, ...POOL_SETTINGS })
  // An idle connection dropped by the server: the pool replaces it; the next query reports.
  pool.on('error', () => undefined)

  let schema: Promise<void> | undefined
  let queue: Pending[] = []
  let writing: Promise<void> | undefined
  let closing: Promise<void> | undefined

  /** Runs `fn` on a pooled connection; one that failed in any way is discarded, not reused. */
  async function withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let failed = false
    // While checked out the pool does not listen: without this, a dropped connection would
    // be an unhandled 'error' event and end the process.
    const onError = () => void (failed = true)
    client.on('error', onError)
    try {
      return await fn(client)
    } catch (err) {
      failed = true
      throw err
    } finally {
      client.removeListener('error', onError)
      client.release(failed)
    }
  }

  async function inTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
    await client.query('BEGIN')
    try {
      const value = await fn()
      await client.query('COMMIT')
      return value
    } catch (err) {
      // The server reported it: the connection still works. Otherwise (a timeout, a lost
      // connection) a ROLLBACK would only queue behind the stuck query; the connection is
      // discarded instead, and the server rolls back when it goes.
      if (err instanceof pg.DatabaseError) await client.query('ROLLBACK').catch(() => undefined)
      throw err
    }
  }

  function ensureSchema(): Promise<void> {
    schema ??= createSchema().catch((err: unknown) => {
      schema = undefined
      throw err
    })
    return schema
  }

  function createSchema(): Promise<void> {
    return withClient(async (client) => {
      // A query on pg_class, not to_regclass(): it reads with this statement's snapshot, so
      // after the lock it sees a table another process has just created (a catalog cache
      // might not have caught up yet).
      const exists = async () => (await client.query(EXISTS_SQL, [table])).rowCount === 1
      // The table and its trigger are created in one transaction: if the table is there, so
      // is the trigger. Checking first lets a least-privileged role skip the DDL.
      if (await exists()) return
      await inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
        if (await exists()) return
        await client.query(`
          CREATE TABLE ${t} (
            seq BIGINT PRIMARY KEY,
            ${AUDIT_COLUMNS.map((c) => `${c} ${c === 'at' ? 'BIGINT' : c === 'attempt' ? 'INTEGER' : 'TEXT'}`).join(',\n            ')},
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
          )`)
        await client.query(`CREATE INDEX "${table}_at" ON ${t} (at)`)
        await client.query(`
          CREATE OR REPLACE FUNCTION slackgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
          END $$`)
        // Statement level: TRUNCATE has no rows, and an UPDATE matching none is refused too.
        await client.query(
          `CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON ${t}
           FOR EACH STATEMENT EXECUTE FUNCTION slackgate_audit_append_only()`,
        )
      })
    })
  }

  async function writeBatch(batch: readonly Pending[]): Promise<void> {
    await ensureSchema()
    await withClient((client) =>
      inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [chainLock])
        // Read under the lock, after the previous holder's COMMIT: READ COMMITTED takes a
        // fresh snapshot for this statement.
        const head = (await client.query<{ seq: string; hash: string }>(headSql)).rows[0]
        let seq = head === undefined ? 0 : Number(head.seq)
        let prevHash = head?.hash ?? GENESIS_HASH
        const params: Array<string | number | null> = []
        const rows: string[] = []
        for (const { record } of batch) {
          const hash = chainHash(prevHash, record)
          const first = params.length
          params.push(++seq, ...columnValues(record), prevHash, hash)
          rows.push(`(${Array.from({ length: COLUMNS_PER_ROW }, (_, i) => `$${first + i + 1}`).join(', ')})`)
          prevHash = hash
        }
        await client.query(`INSERT INTO ${t} (${SELECT_COLUMNS}) VALUES ${rows.join(', ')}`, params)
      }),
    )
  }

  /** Writes batches until the queue is empty; appends made meanwhile join the next batch. */
  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(batch.length)
      try {
        await writeBatch(batch)
        for (const p of batch) p.resolve()
      } catch (cause) {
        const err = new AuditUnavailableError({ cause })
        for (const p of batch) p.reject(err)
      }
    }
    writing = undefined
  }

  return {
    append(record) {
      if (closing !== undefined) return Promise.reject(new AuditUnavailableError({ cause: new Error('the audit log is closed') }))
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject })
        // Wait for the end of this turn of the event loop, so that appends made in it share
        // the first batch too.
        writing ??= new Promise<void>((r) => setImmediate(r)).then(drain)
      })
    },
    async read(query: AuditQuery) {
      await ensureSchema()
      const { sql, params } = selectFor(t, query)
      const { rows } = await pool.query<Record<string, unknown>>(sql, params)
      return rows.map(recordFromRow)
    },
    async head() {
      await ensureSchema()
      const row = (await pool.query<{ seq: string; hash: string }>(headSql)).rows[0]
      return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash }
    },
    async ping() {
      await ensureSchema()
      await pool.query('SELECT 1')
    },
    close() {
      closing ??= (async () => {
        while (writing !== undefined) await writing
        await pool.end()
      })()
      return closing
    },
  }
}

function selectFor(table: string, query: AuditQuery): { sql: string; params: Array<string | number> } {
  const { where, order, params } = auditQueryFilter(query, (n) => `$${n}`)
  return { sql: `SELECT ${SELECT_COLUMNS} FROM ${table} ${where} ORDER BY seq ${order} LIMIT $${params.length}`, params }
}

/** A 64-bit advisory lock key (as text, for a bigint parameter) derived from a name. */
function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString()
}

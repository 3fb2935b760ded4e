import type { ChildProcess } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { AUDIT_COLUMNS, columnValues } from '../../src/audit/audit-columns.js'
import type { AuditLog } from '../../src/audit/audit-log.js'
import { createPostgresAuditLog } from '../../src/audit/audit-log.postgres.js'
import { chainHash, ChainVerifier } from '../../src/audit/chain.js'
import { AuditUnavailableError } from '../../src/audit/errors.js'
import { startReadyChild } from '../helpers/ready-child.js'
import { DATABASE_URL, dropTable, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'
import { readAll, record } from './audit-log.contract.js'

const WRITER = fileURLToPath(new URL('../fixtures/audit-writer.ts', import.meta.url))

const tables: string[] = []
const logs: AuditLog[] = []
const children: ChildProcess[] = []

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL')
  }
  await Promise.all(logs.splice(0).map((log) => log.close()))
  await Promise.all(tables.splice(0).map(dropTable))
})

function newTable(): string {
  const table = uniqueTable()
  tables.push(table)
  return table
}

function open(table: string, connectionString = DATABASE_URL): AuditLog {
  const log = createPostgresAuditLog({ connectionString, table })
  logs.push(log)
  return log
}

/** Walks the whole table with a fresh adapter, as `slackgate audit verify` would. */
async function verify(table: string) {
  const all = await readAll(open(table))
  const verifier = new ChainVerifier()
  verifier.push(all)
  return { all, problem: verifier.finish() }
}

/** Starts a writer process; resolves once it is connected and waiting for the go. */
const startWriter = (table: string, name: string, count: number) =>
  startReadyChild(WRITER, [DATABASE_URL, table, name, String(count), '20'], children)

describe.skipIf(!postgresAvailable)('PostgreSQL AuditLog', () => {
  it('keeps one chain when two processes append to the same table at once', async () => {
    const table = newTable()
    // Both create the schema at the same time too.
    const writers = await Promise.all([startWriter(table, 'a', 300), startWriter(table, 'b', 300)])
    for (const w of writers) w.go()
    await Promise.all(writers.map((w) => w.finished()))

    const { all, problem } = await verify(table)
    expect(problem).toBeUndefined()
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    for (const name of ['a', 'b']) {
      const mine = all.filter((r) => r.source === name)
      // Each writer's records, every one of them, in the order it appended them.
      expect(mine.map((r) => r.requestId)).toEqual(Array.from({ length: 300 }, (_, i) => `${name}-${i}`))
    }
    // Interleaved, not one writer's run after the other's.
    const seqs = (name: string) => all.filter((r) => r.source === name).map((r) => r.seq)
    const [a, b] = [seqs('a'), seqs('b')]
    expect(Math.min(...a)).toBeLessThan(Math.max(...b))
    expect(Math.min(...b)).toBeLessThan(Math.max(...a))
  }, 60_000)

  describe('tampering behind the trigger is found, with its position', () => {
    /** Eight linked records, then `tamper` on a raw connection with the triggers off. */
    async function tamperWith(tamper: (client: pg.Client, t: string) => Promise<void>) {
      const table = newTable()
      const log = open(table)
      for (let i = 1; i <= 8; i++) await log.append(record({ requestId: `r${i}` }))
      expect((await verify(table)).problem).toBeUndefined()
      await withPgClient(async (client) => {
        await client.query(`ALTER TABLE "${table}" DISABLE TRIGGER ALL`)
        await tamper(client, `"${table}"`)
      })
      return verify(table)
    }

    it('an edited field: altered at 5', async () => {
      const { problem } = await tamperWith((c, t) => c.query(`UPDATE ${t} SET verdict = 'denied' WHERE seq = 5`).then(() => undefined))
      expect(problem).toMatchObject({ problem: 'altered', seq: 5 })
    })

    it('a deleted record: deleted at 5', async () => {
      const { problem } = await tamperWith((c, t) => c.query(`DELETE FROM ${t} WHERE seq = 5`).then(() => undefined))
      expect(problem).toMatchObject({ problem: 'deleted', seq: 5 })
    })

    it('a forged record slipped in between 4 and 5, linked to 4: inserted at 5', async () => {
      const { all, problem } = await tamperWith(async (c, t) => {
        const fourth = (await c.query<{ hash: string }>(`SELECT hash FROM ${t} WHERE seq = 4`)).rows[0]?.hash as string
        // One row at a time, from the end: the primary key is checked after each row.
        for (let seq = 8; seq >= 5; seq--) await c.query(`UPDATE ${t} SET seq = seq + 1 WHERE seq = $1`, [seq])
        const forged = record({ requestId: 'forged', verdict: 'denied' })
        const values = [5, ...columnValues(forged), fourth, chainHash(fourth, forged)]
        await c.query(`INSERT INTO ${t} (seq, ${AUDIT_COLUMNS.join(', ')}, prev_hash, hash) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values)
      })
      expect(all.map((r) => r.requestId)).toEqual(['r1', 'r2', 'r3', 'r4', 'forged', 'r5', 'r6', 'r7', 'r8'])
      expect(problem).toMatchObject({ problem: 'inserted', seq: 5 })
    })
  })

  it('refuses UPDATE, DELETE and TRUNCATE (append-only)', async () => {
    const table = newTable()
    const log = open(table)
    for (let i = 1; i <= 3; i++) await log.append(record({ requestId: `r${i}` }))
    await withPgClient(async (client) => {
      await expect(client.query(`UPDATE "${table}" SET verdict = 'denied' WHERE seq = 2`)).rejects.toThrow(/append-only/)
      await expect(client.query(`DELETE FROM "${table}" WHERE seq = 2`)).rejects.toThrow(/append-only/)
      await expect(client.query(`TRUNCATE "${table}"`)).rejects.toThrow(/append-only/)
    })
    const { all, problem } = await verify(table)
    expect(problem).toBeUndefined()
    expect(all.map((r) => [r.requestId, r.verdict])).toEqual([
      ['r1', 'accepted'],
      ['r2', 'accepted'],
      ['r3', 'accepted'],
    ])
  })

  it('a batch that fails rejects every append in it and leaves no gap; the next batch is written', async () => {
    const table = newTable()
    const log = open(table)
    await log.append(record({ requestId: 'r1' }))
    // Makes any batch holding a `denied` record fail at its INSERT.
    await withPgClient((c) => c.query(`ALTER TABLE "${table}" ADD CONSTRAINT no_denied CHECK (verdict <> 'denied')`))
    // Appended in one turn: one batch.
    const settled = await Promise.allSettled([
      log.append(record({ requestId: 'lost-1' })),
      log.append(record({ requestId: 'lost-2', verdict: 'denied' })),
      log.append(record({ requestId: 'lost-3' })),
    ])
    for (const s of settled) {
      expect(s.status).toBe('rejected')
      const reason = (s as PromiseRejectedResult).reason as AuditUnavailableError
      expect(reason).toBeInstanceOf(AuditUnavailableError)
      expect(reason.code).toBe('audit_unavailable')
      expect(reason.cause).toMatchObject({ code: '23514' }) // check_violation
    }
    await log.append(record({ requestId: 'r2' }))
    const { all, problem } = await verify(table)
    expect(problem).toBeUndefined()
    expect(all.map((r) => [r.seq, r.requestId])).toEqual([
      [1, 'r1'],
      [2, 'r2'],
    ])
  })

  it('a table locked by someone else: append rejects after the statement timeout, then recovers', async () => {
    const table = newTable()
    const log = open(table)
    await log.append(record({ requestId: 'r1' }))
    await withPgClient(async (c) => {
      await c.query('BEGIN')
      await c.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`)
      const started = Date.now()
      const err = await log.append(record({ requestId: 'blocked' })).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AuditUnavailableError)
      expect((err as AuditUnavailableError).cause).toMatchObject({ code: '57014' }) // query_canceled
      expect(Date.now() - started).toBeLessThan(8000)
      await c.query('ROLLBACK')
    })
    await log.append(record({ requestId: 'r2' }))
    const { all, problem } = await verify(table)
    expect(problem).toBeUndefined()
    expect(all.map((r) => r.requestId)).toEqual(['r1', 'r2'])
  })

  it('close waits for the batch in flight, then refuses appends', async () => {
    const table = newTable()
    const log = createPostgresAuditLog({ connectionString: DATABASE_URL, table })
    let written = false
    const pending = log.append(record({ requestId: 'last' })).then(() => void (written = true))
    await log.close()
    expect(written).toBe(true)
    await pending
    await expect(log.append(record())).rejects.toBeInstanceOf(AuditUnavailableError)
    expect((await readAll(open(table))).map((r) => r.requestId)).toEqual(['last'])
  })
})

describe('PostgreSQL AuditLog with the database unreachable (fail closed)', () => {
  const servers: Server[] = []
  const sockets: Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
  })

  async function listen(): Promise<Server> {
    const server = createServer((socket) => void sockets.push(socket))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return server
  }
  const urlFor = (server: Server) => `postgres://postgres@127.0.0.1:${(server.address() as { port: number }).port}/test`

  it('a closed port: append rejects with audit_unavailable at once, ping rejects', async () => {
    const server = await listen()
    const url = urlFor(server)
    await new Promise((resolve) => server.close(resolve))
    const log = open('slackgate_audit_log', url)
    const started = Date.now()
    const err = await log.append(record()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuditUnavailableError)
    expect((err as AuditUnavailableError).cause).toMatchObject({ code: 'ECONNREFUSED' })
    expect(Date.now() - started).toBeLessThan(3000)
    await expect(log.ping()).rejects.toThrow()
  })

  it('a server that accepts connections and never answers: append rejects within seconds', async () => {
    const log = open('slackgate_audit_log', urlFor(await listen()))
    const started = Date.now()
    const appends = [log.append(record()), log.append(record())]
    for (const a of appends) await expect(a).rejects.toBeInstanceOf(AuditUnavailableError)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(sockets.length).toBeGreaterThan(0)
  })

  it('refuses a table name that is not a plain identifier', () => {
    for (const table of ['audit-log', 'Audit', 'x; DROP TABLE y', '1abc', 'a'.repeat(64)]) {
      expect(() => createPostgresAuditLog({ connectionString: DATABASE_URL, table })).toThrow(RangeError)
    }
  })
})

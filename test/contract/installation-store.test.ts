import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database.js'
import { createVault } from '../../src/vault/create-vault.js'
import { createPostgresInstallationStore } from '../../src/vault/installation-store.postgres.js'
import { createSqliteInstallationStore } from '../../src/vault/installation-store.sqlite.js'
import { DATABASE_URL, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'
import { describeInstallationStore, installation } from './installation-store.contract.js'

describeInstallationStore('sqlite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'slackgate-vault-')), 'sg.db')
  const databases: SqliteDatabase[] = []
  return {
    open() {
      // Each adapter on a connection of its own, as another process would have.
      const db = openSqliteDatabase(path)
      databases.push(db)
      return createSqliteInstallationStore(db)
    },
    async raw() {
      // The WAL holds the latest writes until a checkpoint copies them into the file: both are scanned.
      return Buffer.concat([path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)))
    },
    async setColumn(key, column, value) {
      const db = new Database(path)
      db.prepare(`UPDATE vault_installations SET ${column} = ? WHERE key = ?`).run(value, key)
      db.close()
    },
    async cleanup() {
      for (const db of databases) db.close()
    },
  }
})

describeInstallationStore(
  'postgres',
  async () => {
    const table = uniqueTable()
    return {
      open: () => createPostgresInstallationStore({ connectionString: DATABASE_URL, table }),
      async raw() {
        // Every row of both tables, every column, as PostgreSQL returns it in text.
        return withPgClient(async (client) => {
          const rows = [
            ...(await client.query(`SELECT t::text AS row FROM "${table}" t`)).rows,
            ...(await client.query(`SELECT t::text AS row FROM "${table}_data_key" t`)).rows,
          ] as Array<{ row: string }>
          return Buffer.from(rows.map((r) => r.row).join('\n'))
        })
      },
      async setColumn(key, column, value) {
        await withPgClient((client) => client.query(`UPDATE "${table}" SET ${column} = $1 WHERE key = $2`, [value, key]))
      },
      async cleanup() {
        await withPgClient((client) => client.query(`DROP TABLE IF EXISTS "${table}", "${table}_data_key"`))
      },
    }
  },
  { skip: !postgresAvailable },
)

describe('the vault over a store that does not answer (fail closed)', () => {
  it('postgres on a closed port: every operation rejects at once with vault_unavailable (503)', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const store = createPostgresInstallationStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` })
    const vault = createVault({ store, masterKeys: [randomBytes(32)] })
    const started = Date.now()
    for (const op of [vault.get('team:T1'), vault.find({ teamId: 'T1' }), vault.list(), vault.ping(), vault.save(installation('T1')), vault.withLock('team:T1', async () => ({ result: 1 }))]) {
      await expect(op).rejects.toMatchObject({ code: 'vault_unavailable', httpStatus: 503 })
    }
    expect(Date.now() - started).toBeLessThan(5000)
    // Unlock at start does not fail on a store that is down: the gateway starts and answers 503.
    await expect(vault.unlock()).resolves.toBeUndefined()
    await store.close()
  })

  it('sqlite with its file closed: vault_unavailable', async () => {
    const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'slackgate-vault-')), 'sg.db'))
    const vault = createVault({ store: createSqliteInstallationStore(db), masterKeys: [randomBytes(32)] })
    await vault.save(installation('T1'))
    db.close()
    await expect(vault.save(installation('T2'))).rejects.toMatchObject({ code: 'vault_unavailable' })
    await expect(vault.ping()).rejects.toMatchObject({ code: 'vault_unavailable' })
  })
})

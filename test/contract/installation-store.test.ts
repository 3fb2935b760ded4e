import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database.js'
import { createPostgresInstallationStore } from '../../src/vault/installation-store.postgres.js'
import { createSqliteInstallationStore } from '../../src/vault/installation-store.sqlite.js'
import { DATABASE_URL, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'
import { describeInstallationStore } from './installation-store.contract.js'

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
      return Buffer.concat([path, `${path}-wal`].map((file) => readFileSync(file)))
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

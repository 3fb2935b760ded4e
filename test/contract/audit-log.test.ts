import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPostgresAuditLog } from '../../src/audit/audit-log.postgres.js'
import { createSqliteAuditLog } from '../../src/audit/audit-log.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { DATABASE_URL, dropTable, postgresAvailable, uniqueTable } from '../helpers/postgres.js'
import { describeAuditLog } from './audit-log.contract.js'

describeAuditLog('sqlite', async () => {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'slackgate-audit-')), 'sg.db'))
  return { log: createSqliteAuditLog(db), cleanup: async () => db.close() }
})

describeAuditLog(
  'postgres',
  async () => {
    const table = uniqueTable()
    return { log: createPostgresAuditLog({ connectionString: DATABASE_URL, table }), cleanup: () => dropTable(table) }
  },
  { skip: !postgresAvailable },
)

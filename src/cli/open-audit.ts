import { existsSync } from 'node:fs'
import type { AuditLog } from '../audit/audit-log.js'
import { createSqliteAuditLog } from '../audit/audit-log.sqlite.js'
import type { GatewayConfig } from '../config/load.js'
import { openSqliteDatabase } from '../storage/sqlite-database.js'
import { CliError } from './cli-error.js'

/**
 * Opens the configured audit log for reading (a gateway may be writing it meanwhile: SQLite's
 * WAL lets both), runs `use`, and closes it.
 */
export async function withAuditLog<T>(config: GatewayConfig, use: (log: AuditLog) => Promise<T>): Promise<T> {
  const location = config.audit.store
  if (location.kind === 'sqlite') {
    if (!existsSync(location.path)) throw new CliError(`no audit log at ${location.path} (is the data directory right?)`)
    const db = openSqliteDatabase(location.path)
    try {
      return await use(createSqliteAuditLog(db))
    } finally {
      db.close()
    }
  }
  if (location.kind !== 'postgres') throw new CliError('the audit log is in sqlite or postgres')
  const { createPostgresAuditLog } = await import('../audit/audit-log.postgres.js')
  const log = createPostgresAuditLog({ connectionString: location.url })
  try {
    const { failure, url } = await (await import('../gateway/probe-store.js')).probePostgres(location.url, log, 5000)
    if (failure?.kind === 'misconfigured') throw new CliError(`audit.store: ${failure.problem} at ${url}: ${failure.fix}`)
    if (failure !== undefined) throw new CliError(`audit.store: no answer from ${url} (is it running?)`)
    return await use(log)
  } finally {
    await log.close()
  }
}

import { existsSync } from 'node:fs'
import type { StoreLocation } from '../config/load.js'
import { openSqliteDatabase } from '../storage/sqlite-database.js'
import type { InstallationStore } from './installation-store.js'
import { createSqliteInstallationStore } from './installation-store.sqlite.js'

/**
 * The installation store at `location`, for the CLI beside a running gateway (SQLite's WAL lets
 * both use the file; no process lock is taken). Its `close` closes what it opened.
 */
export async function openInstallationStore(location: StoreLocation): Promise<InstallationStore> {
  if (location.kind === 'postgres') {
    const { createPostgresInstallationStore } = await import('./installation-store.postgres.js')
    return createPostgresInstallationStore({ connectionString: location.url })
  }
  if (location.kind !== 'sqlite') throw new TypeError('the vault is kept in sqlite or postgres')
  if (!existsSync(location.path)) throw new TypeError(`no database at ${location.path} (is the data directory right?)`)
  const db = openSqliteDatabase(location.path)
  const store = createSqliteInstallationStore(db)
  return { ...store, close: async () => db.close() }
}

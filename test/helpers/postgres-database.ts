import { randomUUID } from 'node:crypto'
import { DATABASE_URL, withPgClient } from './postgres.js'

export interface TestDatabase {
  /** A connection URL to the database, on the test server. */
  readonly url: string
  readonly name: string
  drop(): Promise<void>
}

/** The test server's URL for another database name. */
export function databaseUrl(name: string): string {
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * A database of the test's own, for what the stores create under fixed names (the audit
 * table of a gateway assembled from its config). Dropped afterwards, connections and all.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `slackgate_test_${randomUUID().replaceAll('-', '')}`
  await withPgClient((client) => client.query(`CREATE DATABASE "${name}"`))
  return {
    url: databaseUrl(name),
    name,
    drop: () => withPgClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  }
}

import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Whether the PostgreSQL suites run (see test/global-setup.ts). */
export const postgresAvailable: boolean = inject('postgres')

/** A table name unique to one test, so suites running in parallel never share a chain. */
export function uniqueTable(): string {
  return `slackgate_test_${randomUUID().replaceAll('-', '')}`
}

/** Runs `fn` on a connection of its own (no adapter in between), for setup and tampering. */
export async function withPgClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Cleanup for `uniqueTable()`: DROP is not refused by the append-only trigger. */
export function dropTable(table: string): Promise<void> {
  return withPgClient(async (client) => void (await client.query(`DROP TABLE IF EXISTS "${table}"`)))
}

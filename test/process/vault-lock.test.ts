import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { createSqliteInstallationStore } from '../../src/vault/installation-store.sqlite.js'
import { startReadyChild } from '../helpers/ready-child.js'
import { DATABASE_URL, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'

const HOLDER = fileURLToPath(new URL('../fixtures/vault-lock-holder.ts', import.meta.url))
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL')
  }
})

async function race(store: string, table: string) {
  const counter = join(mkdtempSync(join(tmpdir(), 'slackgate-vault-lock-')), 'counter')
  writeFileSync(counter, '0')
  const start = () => startReadyChild(HOLDER, [store, table, counter, '20'], children)
  const holders = await Promise.all([start(), start()])
  for (const h of holders) h.go()
  await Promise.all(holders.map((h) => h.finished()))
  return Number(readFileSync(counter, 'utf8'))
}

describe('the vault lock holds across processes', () => {
  it('sqlite: 20 callers in each of two processes sharing the file increment without losing one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'slackgate-vault-lock-')), 'sg.db')
    // The tables exist before the race, as they do once a gateway has opened the file.
    const db = openSqliteDatabase(path)
    createSqliteInstallationStore(db)
    db.close()
    expect(await race(`sqlite:${path}`, '-')).toBe(40)
    // Every lease was released.
    const after = openSqliteDatabase(path)
    expect(after.handle.prepare('SELECT COUNT(*) AS n FROM vault_locks').get()).toEqual({ n: 0 })
    after.close()
  }, 60_000)

  it.skipIf(!postgresAvailable)('postgres: 20 callers in each of two processes increment without losing one', async () => {
    const table = uniqueTable()
    try {
      expect(await race(DATABASE_URL, table)).toBe(40)
    } finally {
      await withPgClient((client) => client.query(`DROP TABLE IF EXISTS "${table}", "${table}_data_key"`))
    }
  }, 60_000)
})

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { createSqliteInstallationStore } from '../../src/vault/installation-store.sqlite.js'
import { DATABASE_URL, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HOLDER = fileURLToPath(new URL('../fixtures/vault-lock-holder.ts', import.meta.url))
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL')
  }
})

/** Starts a holder process; resolves once its store answers and it waits for the go. */
async function startHolder(store: string, table: string, counter: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, store, table, counter, String(count)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => out.includes('ready\n') && resolve())
    void exited.then((code) => reject(new Error(`holder exited (${code}) before it was ready:\n${out}`)))
  })
  return {
    go: () => child.stdin?.write('go\n'),
    finished: async () => {
      const code = await exited
      if (code !== 0 || !out.includes('done\n')) throw new Error(`holder failed (${code}):\n${out}`)
    },
  }
}

async function race(store: string, table: string) {
  const counter = join(mkdtempSync(join(tmpdir(), 'slackgate-vault-lock-')), 'counter')
  writeFileSync(counter, '0')
  const holders = await Promise.all([startHolder(store, table, counter, 20), startHolder(store, table, counter, 20)])
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

import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { createVault } from '../../src/vault/create-vault.js'
import type { InstallationStore } from '../../src/vault/installation-store.js'
import { createPostgresInstallationStore } from '../../src/vault/installation-store.postgres.js'
import { createSqliteInstallationStore } from '../../src/vault/installation-store.sqlite.js'
import { DATABASE_URL, postgresAvailable, uniqueTable, withPgClient } from '../helpers/postgres.js'
import { startReadyChild } from '../helpers/ready-child.js'
import { rotatingInstallation } from '../helpers/rotating-installation.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'

const CALLER = fileURLToPath(new URL('../fixtures/token-refresh-caller.ts', import.meta.url))
const MASTER_KEY = randomBytes(32).toString('base64')
const children: ChildProcess[] = []
let slack: FakeSlackApi | undefined

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL')
  }
  await slack?.close()
})

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** A caller process: resolves once its vault is open and it waits for the go. */
async function startCaller(store: string, table: string, apiUrl: string, count: number) {
  const env = { ...process.env, SLACKGATE_MASTER_KEY: MASTER_KEY, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET }
  const caller = await startReadyChild(CALLER, [store, table, apiUrl, String(count)], children, env)
  return {
    go: caller.go,
    tokens: async () => {
      const line = /^tokens (.*)$/m.exec(await caller.finished())
      if (line === null) throw new Error('the caller printed no tokens')
      return JSON.parse(line[1] as string) as string[]
    },
  }
}

/**
 * Stores T1's installation, due for refresh, then lets 20 callers in each of two processes ask
 * for its token at once; checks one exchange was made and every caller got its token.
 */
async function race(store: InstallationStore, where: string, table: string): Promise<void> {
  slack = await startFakeSlackApi()
  // Slow enough that every caller of both processes asks while the one exchange is in flight.
  slack.setRefresh({ delayMs: 300 })
  const pair = slack.issueRotating({ identity: { teamId: 'T1' } })
  const vault = createVault({ store, masterKeys: [Buffer.from(MASTER_KEY, 'base64')] })
  await vault.unlock()
  // Due: it expires within the default two hours.
  await vault.save(rotatingInstallation('T1', pair, 600))

  const callers = await Promise.all([startCaller(where, table, slack.url, 20), startCaller(where, table, slack.url, 20)])
  for (const c of callers) c.go()
  const tokens = (await Promise.all(callers.map((c) => c.tokens()))).flat()

  expect(slack.refreshes()).toMatchObject([{ refreshToken: pair.refreshToken, ok: true }])
  const granted = slack.refreshes()[0]?.token as string
  expect(tokens).toHaveLength(40)
  expect(new Set(tokens)).toEqual(new Set([sha(granted)]))
  const stored = await vault.get('team:T1')
  expect(stored?.bot?.token).toBe(granted)
  expect(stored?.bot?.refreshToken).not.toBe(pair.refreshToken)
  await vault.close()
}

describe('token refresh across processes', () => {
  it('sqlite: 20 concurrent callers in each of two processes sharing the file make one refresh exchange, and all get the new token', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'slackgate-token-refresh-')), 'sg.db')
    const db = openSqliteDatabase(path)
    try {
      await race(createSqliteInstallationStore(db), `sqlite:${path}`, '-')
    } finally {
      db.close()
    }
  }, 60_000)

  it.skipIf(!postgresAvailable)('postgres: 20 concurrent callers in each of two processes make one refresh exchange, and all get the new token', async () => {
    const table = uniqueTable()
    try {
      await race(createPostgresInstallationStore({ connectionString: DATABASE_URL, table }), DATABASE_URL, table)
    } finally {
      await withPgClient((client) => client.query(`DROP TABLE IF EXISTS "${table}", "${table}_data_key"`))
    }
  }, 60_000)
})

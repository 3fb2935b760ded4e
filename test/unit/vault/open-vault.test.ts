import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database.js'
import { masterKeyId } from '../../../src/vault/envelope.js'
import { createSqliteInstallationStore } from '../../../src/vault/installation-store.sqlite.js'
import { createMasterKeyFile, pendingKeyFile, VAULT_KEY_FILE } from '../../../src/vault/master-key.js'
import { openVault } from '../../../src/vault/open-vault.js'
import { rewrapVault } from '../../../src/vault/rewrap.js'
import { installation } from '../../contract/installation-store.contract.js'

const databases: SqliteDatabase[] = []
afterEach(() => {
  for (const db of databases.splice(0)) db.close()
})

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'slackgate-open-vault-'))
  const db = openSqliteDatabase(join(dataDir, 'slackgate.db'))
  databases.push(db)
  return { dataDir, keyFile: join(dataDir, VAULT_KEY_FILE), store: createSqliteInstallationStore(db) }
}

const config = { store: { kind: 'sqlite' as const, path: '-' }, required: true }

describe('openVault', () => {
  it('finishes a key file rewrap that stopped after switching the database, before the rename', async () => {
    const { dataDir, keyFile, store } = setup()
    createMasterKeyFile(keyFile)
    const saved = installation('T1')
    await (await openVault({ config, dataDir, store })).save(saved)
    // The rewrap wrote the next key beside the file and switched the database, then stopped.
    const next = randomBytes(32).toString('base64')
    createMasterKeyFile(pendingKeyFile(keyFile), next)
    const old = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')
    await rewrapVault(store, [old], Buffer.from(next, 'base64'))

    const vault = await openVault({ config, dataDir, store })
    expect(vault.masterKeyId()).toBe(masterKeyId(Buffer.from(next, 'base64')))
    expect(await vault.get('team:T1')).toEqual(saved)
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(next)
    expect(existsSync(pendingKeyFile(keyFile))).toBe(false)
  })

  it('a pending key file the database never switched to is left alone, and the vault opens with the key file', async () => {
    const { dataDir, keyFile, store } = setup()
    createMasterKeyFile(keyFile)
    await (await openVault({ config, dataDir, store })).save(installation('T1'))
    const current = readFileSync(keyFile, 'utf8')
    createMasterKeyFile(pendingKeyFile(keyFile))
    const vault = await openVault({ config, dataDir, store })
    expect(vault.masterKeyId()).toBe(masterKeyId(Buffer.from(current.trim(), 'base64')))
    expect(readFileSync(keyFile, 'utf8')).toBe(current)
  })

  it('a vault that could not open its data key at start reads the key file anew: a rewrap meanwhile does not lock it out', async () => {
    const { dataDir, keyFile, store } = setup()
    createMasterKeyFile(keyFile)
    const saved = installation('T1')
    await (await openVault({ config, dataDir, store })).save(saved)
    // The store does not answer at start: the gateway starts, its data key not yet open.
    let down = true
    const flaky = { ...store, readDataKey: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : store.readDataKey()) }
    const vault = await openVault({ config, dataDir, store: flaky })
    await expect(vault.get('team:T1')).rejects.toMatchObject({ code: 'vault_unavailable' })
    // Meanwhile `slackgate vault rewrap` replaces the key file.
    const next = randomBytes(32)
    await rewrapVault(store, [Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')], next)
    writeFileSync(keyFile, `${next.toString('base64')}\n`)
    down = false
    expect(await vault.get('team:T1')).toEqual(saved)
    expect(vault.masterKeyId()).toBe(masterKeyId(next))
  })

  it('a key file that is not a key: vault_key_invalid, naming the file and not its content', async () => {
    const { dataDir, keyFile, store } = setup()
    writeFileSync(keyFile, 'hunter2-not-a-key\n', { mode: 0o600 })
    const err = await openVault({ config, dataDir, store }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'vault_key_invalid' })
    expect((err as Error).message).toContain(keyFile)
    expect((err as Error).message).not.toContain('hunter2')
  })
})

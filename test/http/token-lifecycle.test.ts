import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { createMemoryVault } from '../helpers/memory-vault.js'
import { eventEnvelope, NOW, slackHeaders } from '../helpers/signing.js'
import type { Installation } from '../../src/vault/installation.js'

// app_uninstalled and tokens_revoked reach the vault as they arrive, routed or not: a
// revoked token is never used again.
const BOT = 'xoxb-4242-lifecycle-bot-token'
const USER = 'xoxp-4242-lifecycle-user-token'
let t: TestApp
let seq = 0

const installation = (teamId: string): Installation => ({
  key: `team:${teamId}`,
  appId: 'A0001',
  teamId,
  isEnterpriseInstall: false,
  installedAt: NOW,
  origin: 'oauth',
  botUserId: 'UBOT',
  installerUserId: 'UINST',
  bot: { token: BOT, scopes: ['chat:write'] },
  user: { token: USER, scopes: ['search:read'] },
})

function lifecycleEvent(type: string, teamId: string, extra: Record<string, unknown> = {}, eventId = `EvLC${++seq}`) {
  return JSON.stringify(eventEnvelope({ team_id: teamId, event_id: eventId, event: { type, ...extra } }))
}

async function post(app: TestApp, body: string, timestamp = NOW) {
  return app.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body, { timestamp }), payload: body })
}

const vaultRecords = async (app: TestApp) => (await readAll(app.gateway.stores.audit)).filter((r) => r.source === 'vault')

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-lifecycle-'))
  writeFileSync(join(dir, 'slackgate.yaml'), 'vault:\n  masterKey: { ref: env:MASTER }\n')
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), env: { MASTER: randomBytes(32).toString('base64') } })
})

afterAll(() => t.close())

describe('lifecycle events and the vault', () => {
  it('app_uninstalled deletes the installation, audited, unrouted as it is', async () => {
    await t.gateway.vault.save(installation('T0101'))
    const res = await post(t, lifecycleEvent('app_uninstalled', 'T0101'))
    expect(res.statusCode).toBe(200)
    expect(await t.gateway.vault.get('team:T0101')).toBeUndefined()
    expect(await t.gateway.vault.find({ teamId: 'T0101' })).toBeUndefined()
    expect(await vaultRecords(t)).toContainEqual(expect.objectContaining({ kind: 'lifecycle', type: 'app_uninstalled', verdict: 'installation_deleted', target: 'team:T0101', subject: 'bot,user', teamId: 'T0101' }))
    const request = (await readAll(t.gateway.stores.audit)).filter((r) => r.type === 'app_uninstalled' && r.source === 'events')
    expect(request.at(-1)).toMatchObject({ kind: 'lifecycle', verdict: 'unrouted' })
  })

  it('once per event: a retry of an uninstall already applied does not delete a reinstall made since', async () => {
    await t.gateway.vault.save(installation('T0102'))
    const body = lifecycleEvent('app_uninstalled', 'T0102')
    expect((await post(t, body)).statusCode).toBe(200)
    await t.gateway.vault.save(installation('T0102'))
    const retry = await post(t, body, NOW + 1)
    expect(retry.statusCode).toBe(200)
    expect((await t.gateway.vault.get('team:T0102'))?.bot?.token).toBe(BOT)
    expect((await vaultRecords(t)).filter((r) => r.target === 'team:T0102')).toHaveLength(1)
  })

  it('tokens_revoked for the installer wipes the user token and keeps the bot token', async () => {
    await t.gateway.vault.save(installation('T0103'))
    expect((await post(t, lifecycleEvent('tokens_revoked', 'T0103', { tokens: { oauth: ['UINST'] } }))).statusCode).toBe(200)
    const after = await t.gateway.vault.get('team:T0103')
    expect(after?.user).toBeUndefined()
    expect(after?.bot?.token).toBe(BOT)
    expect((await vaultRecords(t)).at(-1)).toMatchObject({ type: 'tokens_revoked', verdict: 'tokens_wiped', subject: 'user', target: 'team:T0103' })
  })

  it('tokens_revoked for the bot (and the installer) leaves no token', async () => {
    await t.gateway.vault.save(installation('T0104'))
    expect((await post(t, lifecycleEvent('tokens_revoked', 'T0104', { tokens: { oauth: ['UINST'], bot: ['UBOT'] } }))).statusCode).toBe(200)
    expect(await t.gateway.vault.get('team:T0104')).toBeUndefined()
    expect((await vaultRecords(t)).at(-1)).toMatchObject({ verdict: 'tokens_wiped', subject: 'bot,user' })
  })

  it('tokens_revoked for someone else wipes nothing (the event alone is recorded)', async () => {
    await t.gateway.vault.save(installation('T0105'))
    expect((await post(t, lifecycleEvent('tokens_revoked', 'T0105', { tokens: { oauth: ['USOMEONE'] } }))).statusCode).toBe(200)
    expect((await t.gateway.vault.get('team:T0105'))?.user?.token).toBe(USER)
    expect((await vaultRecords(t)).filter((r) => r.target === 'team:T0105')).toEqual([])
    expect((await readAll(t.gateway.stores.audit)).at(-1)).toMatchObject({ kind: 'lifecycle', type: 'tokens_revoked', teamId: 'T0105', verdict: 'unrouted' })
  })

  it('no token in the audit log', async () => {
    const all = JSON.stringify(await readAll(t.gateway.stores.audit))
    expect(all).not.toContain(BOT)
    expect(all).not.toContain(USER)
  })
})

describe('a vault that does not answer', () => {
  let down: TestApp | undefined
  afterEach(() => down?.close())

  it('fails closed: 503 vault_unavailable, and Slack retry applies the uninstall once the vault is back', async () => {
    const vault = createMemoryVault()
    down = await testApp({ vault })
    await vault.save(installation('T0201'))
    vault.setDown(true)
    const body = lifecycleEvent('app_uninstalled', 'T0201')
    const refused = await post(down, body)
    expect(refused.statusCode).toBe(503)
    expect(refused.json()).toEqual({ error: 'vault_unavailable' })
    vault.setDown(false)
    expect(vault.installations.has('team:T0201')).toBe(true)
    const retried = await post(down, body, NOW + 1)
    expect(retried.statusCode).toBe(200)
    expect(vault.installations.has('team:T0201')).toBe(false)
    expect(await vaultRecords(down)).toMatchObject([{ verdict: 'installation_deleted', target: 'team:T0201' }])
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../../src/audit/audit-record.js'
import { createLogger } from '../../../src/http/logger.js'
import { oauthV2Access } from '../../../src/slack-api/oauth-v2-access.js'
import { kindsDue, refreshDue } from '../../../src/slack-api/refresh-due.js'
import { createTokenRefresher, type TokenRefresher } from '../../../src/slack-api/token-refresh.js'
import type { Installation } from '../../../src/vault/installation.js'
import type { Vault } from '../../../src/vault/vault.js'
import { rotatingInstallation } from '../../helpers/rotating-installation.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'
import { createMemoryVault, type MemoryVault } from '../../helpers/memory-vault.js'

const NOW = 1_800_000_000
let slack: FakeSlackApi
let vault: MemoryVault
let audit: AuditRecord[]
let lines: string[]
let waits: number[]
let refresher: TokenRefresher

beforeEach(async () => {
  slack = await startFakeSlackApi()
  vault = createMemoryVault()
  audit = []
  lines = []
  waits = []
  refresher = createTokenRefresher({
    vault,
    audit: { append: async (r) => void audit.push(r) },
    logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
    refreshBeforeSeconds: 7200,
    now: () => NOW,
    wait: async (ms) => void waits.push(ms),
    exchange: (refreshToken) =>
      oauthV2Access({ apiUrl: slack.url, clientId: FAKE_CLIENT_ID, clientSecret: () => FAKE_CLIENT_SECRET }, { grantType: 'refresh_token', refreshToken }),
  })
})

afterEach(() => slack.close())

describe('refreshDue', () => {
  const set = (expiresAt?: number, refreshToken?: string) => ({ token: 'xoxb-1', scopes: [], ...(expiresAt !== undefined && { expiresAt }), ...(refreshToken !== undefined && { refreshToken }) })

  it('is due within the window, only for a rotating token', () => {
    expect(refreshDue(set(NOW + 7200, 'r'), NOW, 7200)).toBe(true)
    expect(refreshDue(set(NOW - 10, 'r'), NOW, 7200)).toBe(true)
    expect(refreshDue(set(NOW + 7201, 'r'), NOW, 7200)).toBe(false)
    expect(refreshDue(set(NOW + 10), NOW, 7200)).toBe(false)
    expect(refreshDue(set(undefined, 'r'), NOW, 7200)).toBe(false)
    expect(refreshDue(undefined, NOW, 7200)).toBe(false)
  })

  it('names the kinds due', () => {
    const i = { ...rotatingInstallation('T0001', { token: 'a', refreshToken: 'b' }, 60, {}, NOW), user: set(NOW + 99_999, 'u') }
    expect(kindsDue(i, NOW, 7200)).toEqual(['bot'])
  })
})

describe('token refresh', () => {
  it('refreshes a token due, stores the new one and audits it, without a token in the record', async () => {
    const pair = slack.issueRotating({ identity: { teamId: 'T0001' } })
    await vault.save(rotatingInstallation('T0001', pair, 3600, {}, NOW))
    const fresh = await refresher.fresh((await vault.get('team:T0001')) as Installation)
    expect(slack.refreshes()).toMatchObject([{ refreshToken: pair.refreshToken, ok: true }])
    const granted = slack.refreshes()[0]?.token
    expect(fresh.bot?.token).toBe(granted)
    expect(fresh.bot?.expiresAt).toBe(NOW + 43_200)
    expect(fresh.bot?.scopes).toEqual(['chat:write'])
    expect((await vault.get('team:T0001'))?.bot?.token).toBe(granted)
    expect(audit).toMatchObject([{ kind: 'lifecycle', type: 'token_refresh', verdict: 'refreshed', target: 'team:T0001', subject: 'bot', teamId: 'T0001' }])
    const written = JSON.stringify(audit) + lines.join('')
    for (const secret of [pair.token, pair.refreshToken, granted as string]) expect(written).not.toContain(secret)
  })

  it('leaves a token not yet due alone', async () => {
    const pair = slack.issueRotating()
    const installation = rotatingInstallation('T0001', pair, 7201, {}, NOW)
    await vault.save(installation)
    expect(await refresher.fresh(installation)).toBe(installation)
    expect(slack.refreshes()).toEqual([])
  })

  it('20 concurrent callers make one exchange, and all get the new token', async () => {
    const pair = slack.issueRotating()
    slack.setRefresh({ delayMs: 100 })
    const installation = rotatingInstallation('T0001', pair, 60, {}, NOW)
    await vault.save(installation)
    const tokens = await Promise.all(Array.from({ length: 20 }, async () => (await refresher.fresh(installation)).bot?.token))
    expect(slack.refreshes()).toHaveLength(1)
    expect(new Set(tokens)).toEqual(new Set([slack.refreshes()[0]?.token]))
  })

  it('retries a failed exchange with backoff, audits each failure, and keeps using a token not yet expired', async () => {
    const pair = slack.issueRotating()
    slack.setRefresh({ fail: '500' })
    const installation = rotatingInstallation('T0001', pair, 600, {}, NOW)
    await vault.save(installation)
    const fresh = await refresher.fresh(installation)
    expect(fresh.bot?.token).toBe(pair.token)
    expect(slack.refreshes()).toHaveLength(3)
    expect(waits).toEqual([500, 1000])
    expect(audit.map((r) => [r.verdict, r.reason, r.attempt, r.outcome])).toEqual([
      ['refresh_failed', 'token_refresh_failed', 1, 'http_status_500'],
      ['refresh_failed', 'token_refresh_failed', 2, 'http_status_500'],
      ['refresh_failed', 'token_refresh_failed', 3, 'http_status_500'],
    ])
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ reason: 'token_refresh_failed' }))
  })

  it('an expired token that cannot be refreshed is token_refresh_failed', async () => {
    const pair = slack.issueRotating()
    slack.setRefresh({ fail: '500' })
    const installation = rotatingInstallation('T0001', pair, -1, {}, NOW)
    await vault.save(installation)
    await expect(refresher.fresh(installation)).rejects.toMatchObject({ code: 'token_refresh_failed', installation: 'team:T0001' })
    expect((await vault.get('team:T0001'))?.bot?.token).toBe(pair.token)
  })

  it('a refresh token Slack revoked gets its tokens wiped, never stored again, and audited', async () => {
    const pair = slack.issueRotating()
    slack.setRefresh({ fail: 'invalid_refresh_token' })
    const installation = { ...rotatingInstallation('T0001', pair, 60, {}, NOW), user: { token: 'xoxp-1-user', scopes: ['search:read'] } }
    await vault.save(installation)
    await expect(refresher.fresh(installation)).rejects.toMatchObject({ code: 'token_refresh_failed' })
    expect(slack.refreshes()).toHaveLength(1)
    const after = await vault.get('team:T0001')
    expect(after?.bot).toBeUndefined()
    expect(after?.user?.token).toBe('xoxp-1-user')
    expect(audit.map((r) => [r.verdict, r.reason, r.outcome])).toEqual([
      ['refresh_failed', 'token_refresh_failed', 'invalid_refresh_token'],
      ['revoked', 'token_refresh_failed', undefined],
    ])
  })

  it('a refreshed token set whose save fails is saved again under the lock: the one exchange is not lost', async () => {
    const pair = slack.issueRotating()
    await vault.save(rotatingInstallation('T0001', pair, 60, {}, NOW))
    let failures = 1
    const save = async (i: Installation) => (failures-- > 0 ? Promise.reject(new Error('database is locked')) : vault.save(i))
    // As the real vault does, a lock holder's replacement is saved before the lock is released.
    const flaky: Vault = {
      ...vault,
      save,
      withLock: (key, fn) =>
        vault.withLock(key, async (current) => {
          const update = await fn(current)
          if (update.replace !== undefined) await save(update.replace)
          return { result: update.result }
        }),
    }
    const refresher = createTokenRefresher({
      vault: flaky,
      audit: { append: async () => undefined },
      logger: createLogger({ level: 'silent' }),
      refreshBeforeSeconds: 7200,
      now: () => NOW,
      wait: async (ms) => void waits.push(ms),
      exchange: (refreshToken) =>
        oauthV2Access({ apiUrl: slack.url, clientId: FAKE_CLIENT_ID, clientSecret: () => FAKE_CLIENT_SECRET }, { grantType: 'refresh_token', refreshToken }),
    })
    const fresh = await refresher.fresh(rotatingInstallation('T0001', pair, 60, {}, NOW))
    expect(slack.refreshes()).toHaveLength(1)
    expect(waits).toEqual([500])
    expect(fresh.bot?.token).toBe(slack.refreshes()[0]?.token)
    expect((await vault.get('team:T0001'))?.bot?.token).toBe(slack.refreshes()[0]?.token)
  })

  it('an installation uninstalled while waiting for the lock is installation_not_found', async () => {
    const pair = slack.issueRotating()
    const installation = rotatingInstallation('T0001', pair, 60, {}, NOW)
    await expect(refresher.fresh(installation)).rejects.toMatchObject({ code: 'installation_not_found' })
    expect(slack.refreshes()).toEqual([])
  })

  it('the sweep refreshes every installation due, and only those', async () => {
    const due = slack.issueRotating()
    const later = slack.issueRotating()
    await vault.save(rotatingInstallation('T0001', due, 100, {}, NOW))
    await vault.save(rotatingInstallation('T0002', later, 40_000, {}, NOW))
    await vault.save({ key: 'team:T0003', appId: 'A0FAKEAPP', teamId: 'T0003', isEnterpriseInstall: false, installedAt: NOW, origin: 'oauth', bot: { token: 'xoxb-static', scopes: [] } })
    expect(await refresher.sweep()).toBe(1)
    expect(slack.refreshes().map((r) => r.refreshToken)).toEqual([due.refreshToken])
    expect((await vault.get('team:T0002'))?.bot?.token).toBe(later.token)
  })
})

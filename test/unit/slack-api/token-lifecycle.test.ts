import { describe, expect, it } from 'vitest'
import { lifecycleAction, revokedKinds } from '../../../src/slack-api/token-lifecycle.js'
import type { EventCallback } from '../../../src/slack/slack-request.js'
import type { Installation } from '../../../src/vault/installation.js'

function event(type: string, context: EventCallback['context'], payload: Record<string, unknown> = {}): EventCallback {
  return { kind: 'event', source: 'events', type, eventId: 'Ev1', context, payload: { event: { type }, ...payload } }
}

const installation: Installation = {
  key: 'team:T1',
  appId: 'A1',
  teamId: 'T1',
  isEnterpriseInstall: false,
  installedAt: 0,
  origin: 'oauth',
  botUserId: 'UBOT',
  installerUserId: 'UINST',
  bot: { token: 'xoxb-1', scopes: [] },
  user: { token: 'xoxp-1', scopes: [] },
}

describe('lifecycleAction', () => {
  it('app_uninstalled deletes the workspace installation, never its organisation one', () => {
    expect(lifecycleAction(event('app_uninstalled', { teamId: 'T1', enterpriseId: 'E1' }))).toEqual({ action: 'delete', key: 'team:T1' })
  })

  it('an org-wide install is named by its organisation', () => {
    const e = event('app_uninstalled', { teamId: 'T1', enterpriseId: 'E1' }, { authorizations: [{ enterprise_id: 'E1', is_enterprise_install: true }] })
    expect(lifecycleAction(e)).toEqual({ action: 'delete', key: 'enterprise:E1' })
  })

  it('tokens_revoked names the bot and user ids', () => {
    const e = event('tokens_revoked', { teamId: 'T1' }, { event: { type: 'tokens_revoked', tokens: { oauth: ['UINST', 7], bot: ['UBOT'] } } })
    expect(lifecycleAction(e)).toEqual({ action: 'revoke', key: 'team:T1', botUserIds: ['UBOT'], userIds: ['UINST'] })
  })

  it('other events, or one naming no installation, ask nothing', () => {
    expect(lifecycleAction(event('app_mention', { teamId: 'T1' }))).toBeUndefined()
    expect(lifecycleAction(event('app_uninstalled_team', { teamId: 'T1' }))).toBeUndefined()
    expect(lifecycleAction(event('app_uninstalled', {}))).toBeUndefined()
  })
})

describe('revokedKinds', () => {
  it('the bot token for our bot user, the user token for the installer', () => {
    expect(revokedKinds(installation, ['UBOT'], [])).toEqual(['bot'])
    expect(revokedKinds(installation, [], ['UINST'])).toEqual(['user'])
    expect(revokedKinds(installation, ['UBOT'], ['UINST'])).toEqual(['bot', 'user'])
  })

  it('not for another bot or another user', () => {
    expect(revokedKinds(installation, ['UOTHERBOT'], ['UOTHER'])).toEqual([])
  })

  it('any listed bot user when ours is not known (a revoked token is never used again)', () => {
    const { botUserId: _b, installerUserId: _i, ...unknown } = installation
    expect(revokedKinds(unknown, ['UANY'], ['UANY'])).toEqual(['bot', 'user'])
  })
})

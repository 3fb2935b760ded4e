import type { Installation } from '../../src/vault/installation.js'

/**
 * A workspace's installation with token rotation on: its bot token (a pair the fake Slack
 * API issued) expires `expiresIn` seconds after `now` (epoch seconds, default the clock).
 */
export function rotatingInstallation(
  teamId: string,
  pair: { readonly token: string; readonly refreshToken: string },
  expiresIn: number,
  extra: Partial<Installation> = {},
  now = Math.floor(Date.now() / 1000),
): Installation {
  return {
    key: `team:${teamId}`,
    appId: 'A0FAKEAPP',
    teamId,
    isEnterpriseInstall: false,
    installedAt: now - 40_000,
    origin: 'oauth',
    bot: { token: pair.token, scopes: ['chat:write'], refreshToken: pair.refreshToken, expiresAt: now + expiresIn },
    ...extra,
  }
}

import type { OAuthV2Access } from '../slack-api/oauth-v2-access.js'
import { installationKey, type Installation, type TokenSet } from '../vault/installation.js'

/**
 * The installation an `oauth.v2.access` code exchange describes, installed at `now` (epoch
 * seconds). Undefined when the answer does not say where the app was installed (no team for
 * a workspace install, no enterprise for an org-wide one) or by which app.
 */
export function installationFromAccess(access: OAuthV2Access, origin: Installation['origin'], now: number): Installation | undefined {
  const { team, enterprise, authedUser } = access
  if (access.appId === undefined) return undefined
  if (access.isEnterpriseInstall ? enterprise === undefined : team === undefined) return undefined
  const query = { isEnterpriseInstall: access.isEnterpriseInstall, ...(enterprise !== undefined && { enterpriseId: enterprise.id }), ...(team !== undefined && { teamId: team.id }) }
  const bot = tokenSet(access.tokenType === 'bot' ? access.accessToken : undefined, access.scopes, access.refreshToken, access.expiresIn, now)
  const user = tokenSet(authedUser?.accessToken, authedUser?.scopes ?? [], authedUser?.refreshToken, authedUser?.expiresIn, now)
  return {
    key: installationKey(query),
    appId: access.appId,
    ...(enterprise !== undefined && { enterpriseId: enterprise.id }),
    ...(enterprise?.name !== undefined && { enterpriseName: enterprise.name }),
    // An org-wide install serves every workspace of the organisation: it has no team of its own.
    ...(!access.isEnterpriseInstall && team !== undefined && { teamId: team.id }),
    ...(!access.isEnterpriseInstall && team?.name !== undefined && { teamName: team.name }),
    isEnterpriseInstall: access.isEnterpriseInstall,
    ...(access.botUserId !== undefined && { botUserId: access.botUserId }),
    ...(authedUser?.id !== undefined && { installerUserId: authedUser.id }),
    installedAt: now,
    origin,
    ...(bot !== undefined && { bot }),
    ...(user !== undefined && { user }),
  }
}

function tokenSet(token: string | undefined, scopes: readonly string[], refreshToken: string | undefined, expiresIn: number | undefined, now: number): TokenSet | undefined {
  if (token === undefined) return undefined
  return {
    token,
    scopes,
    ...(refreshToken !== undefined && { refreshToken }),
    ...(expiresIn !== undefined && { expiresAt: now + expiresIn }),
  }
}

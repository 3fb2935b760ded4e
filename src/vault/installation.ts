/**
 * An app's installation in one workspace, or org-wide in an Enterprise Grid organisation: who
 * installed it, what it may do, and the tokens it acts with. Tokens appear only here, in
 * memory, decrypted for the moment they are needed; stored, they are ciphertext (vault.ts).
 */
export interface Installation {
  /** `installationKey(this)`: how the installation is found and locked. */
  readonly key: string
  readonly appId: string
  readonly enterpriseId?: string
  readonly enterpriseName?: string
  /** Absent for an org-wide install. */
  readonly teamId?: string
  readonly teamName?: string
  /** Installed org-wide (`is_enterprise_install`): it serves every workspace of the organisation. */
  readonly isEnterpriseInstall: boolean
  readonly botUserId?: string
  readonly botId?: string
  /** The Slack user who installed the app. */
  readonly installerUserId?: string
  /** Epoch seconds. */
  readonly installedAt: number
  /** How it came to be: the OAuth flow, an org-wide install begun from Slack's admin pages (no state), or `slack.botToken` in config. */
  readonly origin: 'oauth' | 'oauth_without_state' | 'config'
  readonly bot?: TokenSet
  /** The installer's user token, when user scopes were granted. */
  readonly user?: TokenSet
}

export type TokenKind = 'bot' | 'user'

/** One token with what comes with it. With token rotation on, it expires and has a refresh token. */
export interface TokenSet {
  readonly token: string
  readonly scopes: readonly string[]
  /** Single use: each refresh returns a new one and revokes this one. */
  readonly refreshToken?: string
  /** Epoch seconds. */
  readonly expiresAt?: number
}

/** What an operator sees of an installation (`slackgate installations list`): everything but the tokens. */
export interface InstallationSummary extends Omit<Installation, 'bot' | 'user'> {
  readonly botScopes: readonly string[]
  readonly userScopes: readonly string[]
  readonly botExpiresAt?: number
  readonly userExpiresAt?: number
  readonly hasBotToken: boolean
  readonly hasUserToken: boolean
  readonly rotating: boolean
}

/** How a request names the installation it needs. */
export interface InstallationQuery {
  readonly enterpriseId?: string
  readonly teamId?: string
  readonly isEnterpriseInstall?: boolean
}

/**
 * The key an installation is stored, found and locked under: `enterprise:<E…>` for an
 * org-wide install, `team:<T…>` otherwise (team ids are unique across Grid organisations).
 *
 * @example
 * installationKey({ teamId: 'T0001' }) // 'team:T0001'
 * installationKey({ enterpriseId: 'E0001', isEnterpriseInstall: true }) // 'enterprise:E0001'
 */
export function installationKey(query: InstallationQuery): string {
  if (query.isEnterpriseInstall === true) {
    if (query.enterpriseId === undefined) throw new TypeError('an org-wide installation needs its enterpriseId')
    return `enterprise:${query.enterpriseId}`
  }
  if (query.teamId === undefined) throw new TypeError('an installation needs its teamId (or enterpriseId and isEnterpriseInstall)')
  return `team:${query.teamId}`
}

/**
 * The keys to try for a request, most specific first: the workspace's own installation, then
 * its organisation's org-wide one (which serves every workspace of the organisation).
 */
export function candidateKeys(query: InstallationQuery): string[] {
  const keys: string[] = []
  if (query.isEnterpriseInstall !== true && query.teamId !== undefined) keys.push(`team:${query.teamId}`)
  if (query.enterpriseId !== undefined) keys.push(`enterprise:${query.enterpriseId}`)
  return keys
}

/** An installation as an operator or a handler may see it: everything but its tokens. */
export function summariseInstallation(installation: Installation): InstallationSummary {
  const { bot, user, ...rest } = installation
  return {
    ...rest,
    botScopes: bot?.scopes ?? [],
    userScopes: user?.scopes ?? [],
    ...(bot?.expiresAt !== undefined && { botExpiresAt: bot.expiresAt }),
    ...(user?.expiresAt !== undefined && { userExpiresAt: user.expiresAt }),
    hasBotToken: bot !== undefined,
    hasUserToken: user !== undefined,
    rotating: bot?.refreshToken !== undefined || user?.refreshToken !== undefined,
  }
}

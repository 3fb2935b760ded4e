import type { WebClient } from '@slack/web-api'
import { summariseInstallation, type InstallationQuery, type InstallationSummary } from '../vault/installation.js'
import type { Vault } from '../vault/vault.js'
import { SlackApiError } from './errors.js'
import type { TokenRefresher } from './token-refresh.js'
import { createWebClient, type WebClientSettings } from './web-client.js'

/** What a handler may read of the installations: everything but their tokens. */
export interface Installations {
  /** The installation serving a workspace (its own, else its organisation's org-wide one), without tokens. */
  find(query: InstallationQuery): Promise<InstallationSummary | undefined>
}

export interface SlackAccess {
  /**
   * A WebClient bound to the bot token of the installation serving `query`: read from the
   * vault (and refreshed if due) when the first call is made, so a handler that never calls
   * Slack never touches the vault.
   */
  clientFor(query: InstallationQuery): WebClient
  /** A WebClient bound to a token the caller holds (a custom step's own), read when the first call is made. */
  clientWithToken(token: () => Promise<string>): WebClient
  /** The bot token of the installation serving `query`, refreshed if due; `installation_not_found` without one. */
  botToken(query: InstallationQuery): Promise<string>
  readonly installations: Installations
}

export interface SlackAccessOptions extends WebClientSettings {
  readonly vault: Vault
  readonly refresher: TokenRefresher
}

/**
 * The gateway's Web API access for handlers: clients bound to the request's installation,
 * with its tokens kept in the vault and refreshed under its lock (token-refresh.ts).
 */
export function createSlackAccess(options: SlackAccessOptions): SlackAccess {
  const { vault, refresher } = options

  async function botToken(query: InstallationQuery): Promise<string> {
    const found = await vault.find(query)
    const where = query.teamId ?? query.enterpriseId ?? 'this request'
    if (found?.bot === undefined) throw new SlackApiError('installation_not_found', `no installation with a bot token serves ${where}`)
    const fresh = await refresher.fresh(found, 'bot')
    if (fresh.bot === undefined) throw new SlackApiError('installation_not_found', `the bot token of ${found.key} was revoked`, { installation: found.key })
    return fresh.bot.token
  }

  return {
    clientFor: (query) => createWebClient(options, () => botToken(query)),
    clientWithToken: (token) => createWebClient(options, token),
    botToken,
    installations: {
      async find(query) {
        const found = await vault.find(query)
        return found === undefined ? undefined : summariseInstallation(found)
      },
    },
  }
}

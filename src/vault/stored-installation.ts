import { createHash } from 'node:crypto'
import { openToken, sealToken, type TokenSlot } from './envelope.js'
import type { Installation, InstallationSummary, TokenKind, TokenSet } from './installation.js'
import type { StoredInstallation, TokenSlotName } from './installation-store.js'

/** What is kept in clear of a token set: everything but the token and refresh token. */
interface TokenMetadata {
  readonly scopes: readonly string[]
  readonly expiresAt?: number
}

type Metadata = Omit<Installation, 'bot' | 'user'> & { bot?: TokenMetadata; user?: TokenMetadata }

const KINDS: readonly TokenKind[] = ['bot', 'user']

/** Seals an installation's tokens into a row; nothing else of a token leaves this function. */
export function sealInstallation(installation: Installation, dataKey: Buffer, updatedAt: number): StoredInstallation {
  const { bot, user, ...rest } = installation
  const metadata: Metadata = { ...rest }
  for (const kind of KINDS) {
    const set = kind === 'bot' ? bot : user
    if (set !== undefined) metadata[kind] = { scopes: [...set.scopes], ...(set.expiresAt !== undefined && { expiresAt: set.expiresAt }) }
  }
  const text = JSON.stringify(metadata)
  const context = digest(text)
  const sealed: Partial<Record<TokenSlotName, string>> = {}
  for (const kind of KINDS) {
    const set = kind === 'bot' ? bot : user
    if (set === undefined) continue
    sealed[`${kind}.token`] = sealToken(dataKey, set.token, slot(installation.key, kind, 'token', context))
    if (set.refreshToken !== undefined) sealed[`${kind}.refreshToken`] = sealToken(dataKey, set.refreshToken, slot(installation.key, kind, 'refreshToken', context))
  }
  return { key: installation.key, metadata: text, sealed, updatedAt }
}

/**
 * Opens a row's tokens: a token altered or moved from another row or slot, or a description
 * edited beside it, throws `token_decrypt_failed`.
 */
export function openInstallation(row: StoredInstallation, dataKey: Buffer): Installation {
  const { bot, user, ...rest } = parse(row)
  const context = digest(row.metadata)
  const sets: Partial<Record<TokenKind, TokenSet>> = {}
  for (const kind of KINDS) {
    const meta = kind === 'bot' ? bot : user
    const token = row.sealed[`${kind}.token`]
    if (meta === undefined || token === undefined) continue
    const refresh = row.sealed[`${kind}.refreshToken`]
    sets[kind] = {
      token: openToken(dataKey, token, slot(row.key, kind, 'token', context)),
      scopes: meta.scopes,
      ...(refresh !== undefined && { refreshToken: openToken(dataKey, refresh, slot(row.key, kind, 'refreshToken', context)) }),
      ...(meta.expiresAt !== undefined && { expiresAt: meta.expiresAt }),
    }
  }
  // The key a row is stored under is the one its tokens are bound to, whatever the JSON says.
  return { ...rest, key: row.key, ...sets }
}

/** What an operator may see of a row: it opens no token. */
export function summarise(row: StoredInstallation): InstallationSummary {
  const { bot, user, ...rest } = parse(row)
  const hasBotToken = bot !== undefined && row.sealed['bot.token'] !== undefined
  const hasUserToken = user !== undefined && row.sealed['user.token'] !== undefined
  return {
    ...rest,
    key: row.key,
    botScopes: hasBotToken ? bot.scopes : [],
    userScopes: hasUserToken ? user.scopes : [],
    ...(hasBotToken && bot.expiresAt !== undefined && { botExpiresAt: bot.expiresAt }),
    ...(hasUserToken && user.expiresAt !== undefined && { userExpiresAt: user.expiresAt }),
    hasBotToken,
    hasUserToken,
    rotating: row.sealed['bot.refreshToken'] !== undefined || row.sealed['user.refreshToken'] !== undefined,
  }
}

function parse(row: StoredInstallation): Metadata {
  return JSON.parse(row.metadata) as Metadata
}

function slot(installation: string, kind: TokenKind, field: TokenSlot['field'], context: string): TokenSlot {
  return { installation, kind, field, context }
}

function digest(metadata: string): string {
  return createHash('sha256').update(metadata).digest('hex')
}

import type { GatewayConfig } from '../config/load.js'
import type { InstallationSummary } from '../vault/installation.js'

/** One row of `slackgate installations list`: never a token, only whether there is one. */
interface Row {
  readonly key: string
  readonly workspace: string
  readonly enterprise: string
  readonly scopes: string
  readonly installer: string
  readonly installedAt: string
  readonly tokenExpiry: string
  readonly origin: string
}

/**
 * `slackgate installations list`: the installations in the vault (and `slack.botToken`'s, if
 * configured), as a table or JSON lines. Reads no token: a summary holds none.
 */
export function listInstallations(config: GatewayConfig, summaries: readonly InstallationSummary[], options: { json?: boolean }): string {
  if (options.json === true) {
    const lines = summaries.map((s) => JSON.stringify(s))
    if (config.slack.botToken !== undefined) lines.push(JSON.stringify({ key: 'config', origin: 'config', hasBotToken: true }))
    return lines.join('\n')
  }
  const rows = summaries.map(row)
  if (config.slack.botToken !== undefined) {
    rows.push({ key: 'config', workspace: 'any (slack.botToken)', enterprise: '', scopes: '', installer: '', installedAt: '', tokenExpiry: 'never', origin: 'config' })
  }
  if (rows.length === 0) return 'no installations'
  const header: Row = { key: 'KEY', workspace: 'WORKSPACE', enterprise: 'ENTERPRISE', scopes: 'SCOPES', installer: 'INSTALLER', installedAt: 'INSTALLED', tokenExpiry: 'TOKEN EXPIRY', origin: 'ORIGIN' }
  const columns = Object.keys(header) as Array<keyof Row>
  const widths = columns.map((c) => Math.max(...[header, ...rows].map((r) => r[c].length)))
  return [header, ...rows].map((r) => columns.map((c, i) => r[c].padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n')
}

function row(s: InstallationSummary): Row {
  const name = (id: string | undefined, label: string | undefined) => (id === undefined ? '' : label === undefined ? id : `${label} (${id})`)
  const expiry = [s.botExpiresAt, s.userExpiresAt].filter((e): e is number => e !== undefined)
  return {
    key: s.key,
    workspace: s.isEnterpriseInstall ? 'every workspace (org-wide)' : name(s.teamId, s.teamName),
    enterprise: name(s.enterpriseId, s.enterpriseName),
    scopes: [...s.botScopes, ...s.userScopes.map((scope) => `user:${scope}`)].join(','),
    installer: s.installerUserId ?? '',
    installedAt: iso(s.installedAt),
    // The soonest: with token rotation on, the one the next refresh is for.
    tokenExpiry: expiry.length === 0 ? 'never' : iso(Math.min(...expiry)),
    origin: s.origin,
  }
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z')

import type { InstallationSummary } from '../../../vault/installation.js'
import { html, type SafeHtml } from '../html.js'
import { canOperate } from '../layout.js'
import { postForm, row, table, time, VIEWER_NOTE } from './common.js'

export interface InstallationsPageData {
  /** Summaries hold no token (vault/installation.ts): only whether there is one. */
  readonly installations: readonly InstallationSummary[]
  /** `slack.botToken` is configured: an installation of its own, not in the vault. */
  readonly configBotToken: boolean
  readonly role: string
  readonly csrfToken: string
}

const named = (id: string | undefined, label: string | undefined): string => (id === undefined ? '' : label === undefined ? id : `${label} (${id})`)

/**
 * The Installations page: what `slackgate installations list` shows, and for operators a
 * revoke form per installation. Reads only named summary fields, so no token can appear.
 */
export function renderInstallations(data: InstallationsPageData): SafeHtml {
  const operate = canOperate(data.role)
  const rows = data.installations.map((s) => {
    const expiry = [s.botExpiresAt, s.userExpiresAt].filter((e): e is number => e !== undefined)
    return row([
      s.isEnterpriseInstall ? 'every workspace (org-wide)' : named(s.teamId, s.teamName),
      named(s.enterpriseId, s.enterpriseName),
      html`<span class="scopes">${[...s.botScopes, ...s.userScopes.map((scope) => `user:${scope}`)].join(', ')}</span>`,
      s.installerUserId ?? '',
      time(s.installedAt * 1000),
      // The soonest: with token rotation on, the one the next refresh is for.
      expiry.length === 0 ? 'never' : time(Math.min(...expiry) * 1000),
      s.origin,
      ...(operate
        ? [postForm({ action: '/admin/installations/revoke', csrfToken: data.csrfToken, fields: { key: s.key }, label: 'Revoke', danger: true, confirm: `Revoke the tokens of ${s.key}? The app stops working there until it is installed again.` })]
        : []),
    ])
  })
  if (data.configBotToken) rows.push(row(['any (slack.botToken)', '', '', '', '', 'never', 'config', ...(operate ? [html`<span class="muted">in the config file</span>`] : [])]))
  const headings = ['Workspace', 'Enterprise', 'Scopes', 'Installer', 'Installed', 'Token expiry', 'Origin', ...(operate ? ['Actions'] : [])]
  return html`${operate ? '' : VIEWER_NOTE}${table(headings, rows, 'No installations.')}`
}

import type { Installation } from '../vault/installation.js'
import { INSTALL_MESSAGES, type InstallCode } from './errors.js'

/**
 * Headers of every install page: nothing loads from anywhere (no script, image or font; inline
 * style at most), no page frames it, no cache keeps it (it carries a fresh state), and no
 * Referer leaks the state or code to Slack or anyone linked.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}a.add{display:inline-block;padding:.6rem 1.2rem;border-radius:.3rem;background:#4a154b;color:#fff;text-decoration:none}code{background:#f4f4f4;padding:.1rem .3rem}'

/** The install page: one "Add to Slack" link to Slack's authorize URL (with this browser's state). */
export function installPage(authorizeUrl: string): string {
  return page('Add to Slack', `<h1>Install this app</h1>\n<p><a class="add" href="${escapeHtml(authorizeUrl)}">Add to Slack</a></p>`)
}

/** The success page names the workspace (or organisation) the app was installed in. */
export function successPage(installation: Installation): string {
  const where = installation.isEnterpriseInstall
    ? `the organisation ${describe(installation.enterpriseName, installation.enterpriseId)}`
    : `the workspace ${describe(installation.teamName, installation.teamId)}`
  return page('Installed', `<h1>Installed</h1>\n<p>The app is installed in ${where}. You can close this page.</p>`)
}

/** An error page: the reason code and what it means; a detail (a Slack error code, the excess scopes) if any. */
export function errorPage(code: InstallCode, detail?: string): string {
  const extra = detail === undefined ? '' : `\n<p>Detail: <code>${escapeHtml(detail)}</code></p>`
  return page('Installation failed', `<h1>Installation failed</h1>\n<p>${escapeHtml(INSTALL_MESSAGES[code])}</p>\n<p>Reason: <code>${code}</code></p>${extra}`)
}

function describe(name: string | undefined, id: string | undefined): string {
  const label = name === undefined ? '' : `<strong>${escapeHtml(name)}</strong> `
  return `${label}(<code>${escapeHtml(id ?? '')}</code>)`
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

import { html, raw, url, type SafeHtml } from './html.js'

/**
 * Who may do what in the console. Operator forms are shown only to the roles listed in
 * `OPERATOR_ROLES` (a role this file does not know sees none): hiding a button is a courtesy,
 * the server refuses the POST for a viewer all the same.
 */
export type ConsoleRole = 'viewer' | 'operator' | 'admin'

const OPERATOR_ROLES: ReadonlySet<string> = new Set<ConsoleRole>(['operator', 'admin'])

/** Whether forms that change something (retry, drop, revoke, rotate) are shown. */
export function canOperate(role: string): boolean {
  return OPERATOR_ROLES.has(role)
}

export type ConsoleSection = 'requests' | 'jobs' | 'live' | 'routes' | 'installations' | 'keys'

export interface ConsoleUser {
  readonly name: string
  readonly role: string
}

export interface PageOptions {
  readonly title: string
  readonly user: ConsoleUser
  /** The session's CSRF token: in every POST form (`_csrf`) and in a meta tag for fetch calls. */
  readonly csrfToken: string
  readonly active: ConsoleSection
  readonly body: SafeHtml
}

// Every section the console serves, in the nav's order: a link only to a page that exists.
const SECTIONS: ReadonlyArray<readonly [ConsoleSection, string]> = [
  ['requests', 'Requests'],
  ['jobs', 'Jobs'],
  ['live', 'Live'],
  ['routes', 'Routes'],
  ['installations', 'Installations'],
  ['keys', 'Keys'],
]

/** The name of the hidden field (and form field the server reads) that carries the CSRF token. */
export const CSRF_FIELD = '_csrf'

/** The hidden CSRF field every POST form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`
}

// Styles and script are files under /admin/assets: the policy allows no inline ones.
function shell(title: string, head: SafeHtml, content: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
${head}<title>${title} · slackgate</title>
<link rel="stylesheet" href="/admin/assets/console.css">
<script src="/admin/assets/console.js" defer></script>
</head>
${content}
</html>
`
}

/**
 * A console page: header (product, user, logout), navigation, then the page's body.
 *
 * @example
 * renderPage({ title: 'Jobs', user: { name: 'ana', role: 'operator' }, csrfToken, active: 'jobs', body })
 */
export function renderPage(options: PageOptions): string {
  const { title, user, csrfToken, active, body } = options
  const nav = SECTIONS.map(
    ([id, label]) =>
      html`<li><a href="${url(`/admin/${id}`)}"${id === active ? html` class="active" aria-current="page"` : ''}>${label}</a></li>`,
  )
  const content = html`<body>
<header class="top">
<a class="brand" href="/admin/requests">slackgate <span>admin</span></a>
<div class="who">
<span class="user">${user.name} <span class="role">${user.role}</span></span>
<form method="post" action="/admin/logout" class="inline">${csrfField(csrfToken)}<button type="submit" class="link">Log out</button></form>
</div>
</header>
<nav class="sections" aria-label="Sections"><ul>${nav}</ul></nav>
<main id="main">
<h1>${title}</h1>
${raw(body)}
</main>
</body>`
  return shell(title, html`<meta name="csrf-token" content="${csrfToken}">\n`, content).toString()
}

/** The one message a failed login gets, whatever failed: it must not tell which. */
export const LOGIN_ERROR = 'Wrong name or password, or the account is locked for a while.'

/**
 * The login page. `error` only says whether to show the generic message: the page never
 * tells a wrong name from a wrong password or a locked account. The form's CSRF protection,
 * if any, is the security core's (login precedes a session).
 */
export function renderLogin(options: { readonly error?: boolean; readonly name?: string; readonly csrfToken?: string } = {}): string {
  const content = html`<body class="login">
<main id="main" class="login-box">
<h1>slackgate <span>admin</span></h1>
${options.error === true ? html`<p class="notice error" role="alert">${LOGIN_ERROR}</p>` : ''}
<form method="post" action="/admin/login">
${options.csrfToken === undefined ? '' : csrfField(options.csrfToken)}
<label for="login-name">Name</label>
<input id="login-name" name="name" type="text" autocomplete="username" required maxlength="200" value="${options.name ?? ''}"${options.name === undefined ? html` autofocus` : ''}>
<label for="login-password">Password</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="1000"${options.name === undefined ? '' : html` autofocus`}>
<button type="submit" class="primary">Log in</button>
</form>
</main>
</body>`
  return shell('Log in', html``, content).toString()
}

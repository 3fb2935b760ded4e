import { html, type HtmlValue, type SafeHtml } from '../html.js'
import { csrfField } from '../layout.js'

/** An instant (epoch ms) as every console page writes it: UTC, seconds precision (`2026-11-30 13:30:39Z`). */
export function displayTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')
}

/** An instant (epoch ms) as ISO 8601 UTC, seconds precision, in a `<time>` element. */
export function time(epochMs: number | undefined): SafeHtml {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return html``
  return html`<time datetime="${new Date(epochMs).toISOString()}">${displayTime(epochMs)}</time>`
}

// Only these words become a class name; anything else is shown, escaped, with a neutral badge.
const BADGES: ReadonlySet<string> = new Set([
  'accepted', 'answered', 'duplicate', 'denied', 'rejected', 'unrouted', 'handshake', 'ssl_check',
  'delivered', 'retrying', 'dead', 'recorded', 'completed', 'failed', 'already_completed', 'not_completed',
  'queued', 'active', 'signing', 'published', 'retired', 'ok', 'timeout',
])

/** A verdict, job state or key state as a coloured badge. */
export function badge(word: string): SafeHtml {
  const kind = BADGES.has(word) ? word.replace(/_/g, '-') : 'other'
  return html`<span class="badge badge-${kind}">${word}</span>`
}

export interface PostFormOptions {
  readonly action: string
  readonly csrfToken: string
  readonly label: string
  /** Asked (console.js) before the form is sent. */
  readonly confirm?: string
  readonly fields?: Readonly<Record<string, string>>
  readonly id?: string
  readonly danger?: boolean
}

/** A POST form with one button, its CSRF field and hidden fields. */
export function postForm(o: PostFormOptions): SafeHtml {
  const hidden = Object.entries(o.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return html`<form method="post" action="${o.action}" class="inline"${o.id === undefined ? '' : html` id="${o.id}"`}${o.confirm === undefined ? '' : html` data-confirm="${o.confirm}"`}>${csrfField(o.csrfToken)}${hidden}<button type="submit"${o.danger === true ? html` class="danger"` : ''}>${o.label}</button></form>`
}

/** A table that scrolls sideways on a narrow screen instead of overflowing the page. */
export function table(headings: readonly string[], rows: readonly SafeHtml[], empty: string, caption?: string): SafeHtml {
  const body = rows.length === 0 ? html`<tr><td colspan="${headings.length}" class="empty">${empty}</td></tr>` : rows
  return html`<div class="table-wrap"><table>${caption === undefined ? '' : html`<caption>${caption}</caption>`}<thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>`
}

/** A row of cells. */
export function row(cells: readonly HtmlValue[], attrs?: SafeHtml): SafeHtml {
  return html`<tr${attrs ?? ''}>${cells.map((c) => html`<td>${c}</td>`)}</tr>`
}

/** Shown to viewers where operators have forms: the server refuses their POSTs as well. */
export const VIEWER_NOTE = html`<p class="notice">Your role can view but not change this. The server refuses changes from viewers too.</p>`

/** A list of problems with what was typed, shown above the form that caused them. */
export function problemList(problems: readonly string[]): SafeHtml {
  if (problems.length === 0) return html``
  return html`<div class="notice error" role="alert"><p>Please fix:</p><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
}

/** A labelled text input, filled with what was typed. */
export function textField(name: string, label: string, value: string | undefined, extra: { placeholder?: string; id?: string } = {}): SafeHtml {
  const id = extra.id ?? `f-${name}`
  return html`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" type="text" value="${value ?? ''}"${extra.placeholder === undefined ? '' : html` placeholder="${extra.placeholder}"`}></div>`
}

/** A labelled select; `options` are [value, label] pairs, the first usually “any”. */
export function selectField(name: string, label: string, value: string | undefined, options: ReadonlyArray<readonly [string, string]>): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">${options.map(
    ([v, l]) => html`<option value="${v}"${v === (value ?? '') ? html` selected` : ''}>${l}</option>`,
  )}</select></div>`
}

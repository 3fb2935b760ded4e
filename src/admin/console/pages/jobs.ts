import type { JobInfo, JobState } from '../../../dispatch/job.js'
import { html, url, type SafeHtml } from '../html.js'
import { canOperate, csrfField } from '../layout.js'
import { badge, postForm, row, table, textField, time, VIEWER_NOTE } from './common.js'

export interface JobsPageData {
  readonly state: JobState
  /** The jobs in that state, as `JobQueue.list` returns them (errors already scrubbed). */
  readonly jobs: readonly JobInfo[]
  readonly counts?: Readonly<Record<JobState, number>>
  /** Route names, for the re-drive form. */
  readonly routes: readonly string[]
  readonly role: string
  readonly csrfToken: string
}

const TABS: readonly JobState[] = ['queued', 'active', 'dead']
const BULK_FORM = 'bulk-jobs'

const jobPath = (id: string, action: 'retry' | 'drop') => `/admin/jobs/${encodeURIComponent(id)}/${action}`

/**
 * The Jobs page: one tab per state, each job with its attempts and last error, and for
 * operators retry (dead jobs) and drop (dead or queued: an active one is being delivered)
 * per row and in bulk, and a re-drive of a route's dead letters since a time. A viewer sees
 * no form, and the server refuses their POSTs all the same.
 */
export function renderJobs(data: JobsPageData): SafeHtml {
  const operate = canOperate(data.role)
  const actions = operate && data.state !== 'active'
  const tabs = TABS.map(
    (s) =>
      html`<li><a href="${url('/admin/jobs', { state: s })}"${s === data.state ? html` class="active" aria-current="page"` : ''}>${s}${data.counts === undefined ? '' : html` <span class="count">${data.counts[s]}</span>`}</a></li>`,
  )
  const headings = [...(actions ? ['Select'] : []), 'Job', 'State', 'Route', 'Attempts', 'Enqueued', 'Last error', ...(actions ? ['Actions'] : [])]
  const rows = data.jobs.map((j) =>
    row([
      ...(actions ? [html`<input type="checkbox" name="id" value="${j.id}" form="${BULK_FORM}" aria-label="Select job ${j.id}">`] : []),
      html`<code>${j.id}</code>`,
      badge(j.state),
      j.route,
      `${j.attempts}/${j.maxAttempts}`,
      time(j.enqueuedAt),
      j.lastError === undefined ? '' : html`<span class="error-text">${j.lastError}</span>`,
      ...(actions ? [rowActions(j, data.csrfToken)] : []),
    ]),
  )
  return html`<nav class="tabs" aria-label="Job states"><ul>${tabs}</ul></nav>
${operate ? '' : VIEWER_NOTE}
${actions ? bulkForm(data.state, data.csrfToken) : ''}
${table(headings, rows, `No ${data.state} jobs.`)}
${operate ? redriveForm(data.routes, data.csrfToken) : ''}`
}

function rowActions(j: JobInfo, csrfToken: string): SafeHtml {
  const retry = j.state === 'dead' ? postForm({ action: jobPath(j.id, 'retry'), csrfToken, label: 'Retry', confirm: `Queue job ${j.id} again?` }) : ''
  const drop = postForm({ action: jobPath(j.id, 'drop'), csrfToken, label: 'Drop', confirm: `Delete job ${j.id}? It will not be delivered.`, danger: true })
  return html`<div class="row-actions">${retry}${drop}</div>`
}

function bulkForm(state: JobState, csrfToken: string): SafeHtml {
  return html`<form method="post" action="/admin/jobs/bulk" id="${BULK_FORM}" class="bulk" data-confirm="Apply this to every selected job?">${csrfField(csrfToken)}
<label class="check"><input type="checkbox" data-select-all="${BULK_FORM}"> Select all on this page</label>
${state === 'dead' ? html`<button type="submit" name="action" value="retry">Retry selected</button>` : ''}
<button type="submit" name="action" value="drop" class="danger">Drop selected</button>
</form>`
}

function redriveForm(routes: readonly string[], csrfToken: string): SafeHtml {
  return html`<section class="panel"><h2>Re-drive dead letters</h2>
<form method="post" action="/admin/jobs/redrive" class="filters" data-confirm="Queue again every dead job of this route since this time?">${csrfField(csrfToken)}
<div class="field"><label for="redrive-route">Route</label><select id="redrive-route" name="route" required>${routes.map((r) => html`<option value="${r}">${r}</option>`)}</select></div>
${textField('since', 'Since', undefined, { id: 'redrive-since', placeholder: '1h or 2026-11-23T10:00Z' })}
<div class="actions"><button type="submit" class="primary">Re-drive</button></div>
</form></section>`
}

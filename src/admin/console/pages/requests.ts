import type { AuditQuery } from '../../../audit/audit-log.js'
import type { StoredAuditRecord } from '../../../audit/audit-record.js'
import type { VerifyResult } from '../../../cli/audit.js'
import { AUDIT_KINDS, AUDIT_VERDICTS, filterParams, type RequestFilterForm } from '../filters.js'
import { html, url, type SafeHtml } from '../html.js'
import { badge, problemList, row, selectField, table, textField, time } from './common.js'

export interface RequestsPageData {
  /** What was typed, to fill the form again. */
  readonly form: RequestFilterForm
  /** Problems with the filters (then `records` is empty and nothing was read). */
  readonly problems: readonly string[]
  /** The query that was run, when the filters were valid: for the paging and export links. */
  readonly query?: AuditQuery
  /** Newest first, as read. */
  readonly records: readonly StoredAuditRecord[]
  /** Whether records older than the last shown exist (the read returned a full page). */
  readonly more: boolean
  /** The last `slackgate audit verify` result, if the chain was checked. */
  readonly chain?: VerifyResult
}

const HEADINGS = ['Time', 'Verdict', 'Reason', 'Route', 'Kind / type', 'Team', 'Channel', 'User', 'Job']

/**
 * The Requests page: the filter form (GET), the records found, newest first, links to the
 * next page and to an export with the same filters, and the state of the hash chain.
 */
export function renderRequests(data: RequestsPageData): SafeHtml {
  const rows = data.records.map((r) =>
    row([
      html`<a href="${url(`/admin/requests/${r.seq}`)}">${time(r.at)}</a>`,
      badge(r.verdict),
      r.reason ?? '',
      r.route ?? '',
      html`${r.kind}${r.type === undefined ? '' : html` <span class="muted">${r.type}</span>`}`,
      r.teamId ?? '',
      r.channelId ?? '',
      r.userId ?? '',
      r.jobId === undefined ? '' : html`<a href="${url('/admin/jobs', { id: r.jobId })}"><code>${r.jobId}</code></a>`,
    ]),
  )
  return html`${chainBox(data.chain)}
${filterForm(data.form)}
${problemList(data.problems)}
${data.query === undefined ? '' : links(data.query)}
${table(HEADINGS, rows, data.problems.length > 0 ? 'Fix the filters to see records.' : 'No records match these filters.')}
${data.query === undefined ? '' : pager(data.query, data.records, data.more)}`
}

function filterForm(form: RequestFilterForm): SafeHtml {
  const any: ReadonlyArray<readonly [string, string]> = [['', 'any']]
  return html`<form method="get" action="/admin/requests" class="filters">
${textField('from', 'From', form.from, { placeholder: '1h or 2026-11-23T10:00Z' })}
${textField('to', 'To', form.to, { placeholder: 'now' })}
${textField('team', 'Team', form.team, { placeholder: 'T…' })}
${textField('channel', 'Channel', form.channel, { placeholder: 'C…' })}
${textField('user', 'User', form.user, { placeholder: 'U…' })}
${textField('route', 'Route', form.route)}
${selectField('verdict', 'Verdict', form.verdict, [...any, ...AUDIT_VERDICTS.map((v) => [v, v] as const)])}
${selectField('kind', 'Kind', form.kind, [...any, ...AUDIT_KINDS.map((v) => [v, v] as const)])}
${textField('reason', 'Reason', form.reason)}
${textField('job', 'Job id', form.job)}
${textField('limit', 'Per page', form.limit, { placeholder: '100 (at most 500)' })}
<div class="actions"><button type="submit" class="primary">Filter</button> <a href="/admin/requests">Clear</a></div>
</form>`
}

function links(query: AuditQuery): SafeHtml {
  const params = filterParams(query)
  return html`<p class="exports">Export these filters (every matching record, oldest first):
<a href="${url('/admin/requests/export', { ...params, limit: undefined, format: 'jsonl' })}" download>JSON lines</a> ·
<a href="${url('/admin/requests/export', { ...params, limit: undefined, format: 'csv' })}" download>CSV</a></p>`
}

function pager(query: AuditQuery, records: readonly StoredAuditRecord[], more: boolean): SafeHtml {
  const last = records.at(-1)
  const first = query.afterSeq !== undefined ? html`<a href="${url('/admin/requests', filterParams(query))}">Newest</a>` : ''
  const next = more && last !== undefined ? html`<a href="${url('/admin/requests', filterParams(query, last.seq))}" rel="next">Older →</a>` : ''
  return html`<nav class="pager" aria-label="Pages">${first} ${next}</nav>`
}

/** Verified up to record N, with the head to anchor the next check; or the first problem. */
function chainBox(chain: VerifyResult | undefined): SafeHtml {
  if (chain === undefined) return html`<section class="chain chain-unknown" aria-label="Audit chain"><p>The audit chain has not been checked here. Run <code>slackgate audit verify</code>.</p></section>`
  if (!chain.ok) {
    return html`<section class="chain chain-bad" aria-label="Audit chain"><p><strong>Audit chain problem:</strong> ${chain.problem ?? 'unknown'} at record ${chain.seq ?? '?'}.</p>${chain.detail === undefined ? '' : html`<p>${chain.detail}</p>`}<p class="muted">${chain.records} record(s) checked before it.</p></section>`
  }
  if (chain.head === null) return html`<section class="chain chain-ok" aria-label="Audit chain"><p>The audit log is empty.</p></section>`
  return html`<section class="chain chain-ok" aria-label="Audit chain"><p><strong>Chain verified</strong> up to record ${chain.head.seq} (${chain.records} records).</p><p>Anchor: <code class="hash">${chain.head.seq}:${chain.head.hash}</code> <span class="muted">(keep it; pass it to <code>slackgate audit verify --anchor</code>)</span></p></section>`
}

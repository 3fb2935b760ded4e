import { AUDIT_FIELDS, type StoredAuditRecord } from '../../../audit/audit-record.js'
import { html, url, type SafeHtml } from '../html.js'
import { badge, time } from './common.js'

const LABELS: Readonly<Record<(typeof AUDIT_FIELDS)[number], string>> = {
  at: 'Time',
  kind: 'Kind',
  requestId: 'Request id',
  source: 'Source',
  verdict: 'Verdict',
  reason: 'Reason',
  type: 'Type',
  teamId: 'Team',
  enterpriseId: 'Enterprise',
  channelId: 'Channel',
  userId: 'User',
  subject: 'Subject',
  route: 'Route',
  rule: 'Rule',
  nonceKeys: 'Nonce keys (digests)',
  jobId: 'Job',
  target: 'Target',
  attempt: 'Attempt',
  outcome: 'Outcome',
  bodySha256: 'Body SHA-256',
  payload: 'Payload (the route stores it)',
}

/**
 * One audit record: every field `slackgate audit query` prints, in the order they are hashed,
 * then its place in the chain. Records hold no secret (see audit-record.ts), so nothing is
 * left out; absent fields are shown as absent.
 */
export function renderRequestDetail(record: StoredAuditRecord): SafeHtml {
  const rows = AUDIT_FIELDS.map((field) => html`<tr><th scope="row">${LABELS[field]}</th><td>${value(record, field)}</td></tr>`)
  return html`<p><a href="/admin/requests">← Requests</a></p>
<div class="table-wrap"><table class="record"><tbody>
<tr><th scope="row">Record</th><td>${record.seq}</td></tr>
${rows}
<tr><th scope="row">Previous hash</th><td><code class="hash">${record.prevHash}</code></td></tr>
<tr><th scope="row">Hash</th><td><code class="hash">${record.hash}</code></td></tr>
</tbody></table></div>`
}

function value(record: StoredAuditRecord, field: (typeof AUDIT_FIELDS)[number]): SafeHtml {
  const v = record[field]
  if (v === undefined) return html`<span class="muted">—</span>`
  switch (field) {
    case 'at':
      return time(record.at)
    case 'verdict':
      return badge(record.verdict)
    case 'jobId':
      return html`<a href="${url('/admin/jobs', { id: String(v) })}"><code>${String(v)}</code></a>`
    case 'nonceKeys':
      return html`<ul class="plain">${(v as readonly string[]).map((k) => html`<li><code>${k}</code></li>`)}</ul>`
    case 'payload':
      return html`<pre class="payload">${String(v)}</pre>`
    case 'bodySha256':
      return html`<code class="hash">${String(v)}</code>`
    default:
      return html`${String(v)}`
  }
}

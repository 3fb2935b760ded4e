import type { DenyConfig, RuleConfig } from '../../../config/access-schema.js'
import type { RouteConfig } from '../../../config/schema.js'
import { describeMatch, matchOf } from '../../../dispatch/route-match.js'
import type { AccessRequest } from '../../../policy/access-request.js'
import type { Explanation } from '../../../policy/explain.js'
import { html, type SafeHtml } from '../html.js'
import { problemList, row, selectField, table, textField } from './common.js'

/** The explain form's fields, as `slackgate policy explain` names its options. */
export interface ExplainForm {
  readonly route?: string
  readonly team?: string
  readonly enterprise?: string
  readonly channel?: string
  readonly user?: string
  readonly userTeam?: string
  readonly subject?: string
  readonly scope?: string
  readonly dm?: boolean
  readonly shared?: boolean
}

export interface ExplainResult {
  readonly route: string
  readonly request: AccessRequest
  readonly explanation: Explanation
}

export interface RoutesPageData {
  readonly routes: readonly RouteConfig[]
  readonly explain?: {
    readonly form: ExplainForm
    readonly problems: readonly string[]
    readonly result?: ExplainResult
  }
}

// A forward URL is shown as its origin and path, as the audit record's target is: a query
// string or userinfo could carry something that is not for this page.
function forwardTarget(href: string): string {
  try {
    const u = new URL(href)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}

function target(r: RouteConfig): SafeHtml {
  if (r.handler !== undefined) return html`handler <code>${r.handler}</code>`
  if (r.forward !== undefined) return html`forward <code>${forwardTarget(r.forward.url)}</code> <span class="muted">${r.forward.timeoutMs} ms</span>`
  return html``
}

function ack(r: RouteConfig): string {
  if (r.ack !== undefined) return `handler, within ${r.ack.deadlineMs} ms`
  if (r.match.options !== undefined) return 'handler (options)'
  return '200, then queued'
}

const listed = (label: string, items: readonly string[] | undefined) => (items === undefined ? [] : [`${label}: ${items.join(', ')}`])

/** The lists a rule and the deny list share, in the order the policy checks them. */
const lists = (r: RuleConfig | DenyConfig): string[] => [
  ...listed('workspaces', r.workspaces),
  ...listed('enterprises', r.enterprises),
  ...listed('channels', r.channels),
  ...listed('users', r.users),
  ...listed('user groups', r.userGroups),
  ...listed('subjects', r.subjects),
]

function rule(r: RuleConfig): SafeHtml {
  const parts = [
    ...lists(r),
    ...listed('scopes', r.scopes),
    ...(r.allowDirectMessages ? ['DMs allowed'] : []),
    ...(r.allowSharedChannels ? ['shared channels allowed'] : []),
  ]
  return html`<li><strong>${r.name}</strong>${parts.length === 0 ? ' (anyone verified)' : html`: ${parts.join('; ')}`}</li>`
}

function access(r: RouteConfig): SafeHtml {
  if (r.public === true) return html`<span class="badge badge-other">public</span>`
  if (r.access === undefined) return html``
  const d = r.access.deny
  const deny =
    d === undefined
      ? ''
      : html`<li class="deny"><strong>deny</strong>: ${lists(d).join('; ')}</li>`
  return html`<ul class="rules">${deny}${r.access.rules.map(rule)}</ul>`
}

/**
 * The Routes page: each route's match (as `slackgate policy explain` prints it), target,
 * access rules and ack, then the explain form (GET) and, once asked, its decision with each
 * step. Forward URLs are shown without query or userinfo.
 */
export function renderRoutes(data: RoutesPageData): SafeHtml {
  const rows = data.routes.map((r) =>
    row([
      html`<strong>${r.name}</strong>${r.description === undefined ? '' : html`<br><span class="muted">${r.description}</span>`}`,
      html`<code>${describeMatch(matchOf(r))}</code>`,
      target(r),
      access(r),
      ack(r),
    ]),
  )
  return html`${table(['Route', 'Match', 'Target', 'Access', 'Ack'], rows, 'No routes configured.')}
${explainSection(data)}`
}

function explainSection(data: RoutesPageData): SafeHtml {
  const form = data.explain?.form ?? {}
  const checkbox = (name: 'dm' | 'shared', label: string) =>
    html`<div class="field check"><label><input type="checkbox" name="${name}" value="1"${form[name] === true ? html` checked` : ''}> ${label}</label></div>`
  return html`<section class="panel" id="explain"><h2>Policy explain</h2>
<p class="muted">What the gateway would decide for a request from this team, channel and user, and which rule decides.</p>
${problemList(data.explain?.problems ?? [])}
<form method="get" action="/admin/routes#explain" class="filters">
${selectField('route', 'Route', form.route, data.routes.map((r) => [r.name, r.name] as const))}
${textField('team', 'Team', form.team, { placeholder: 'T…' })}
${textField('enterprise', 'Enterprise', form.enterprise, { placeholder: 'E…' })}
${textField('channel', 'Channel', form.channel, { placeholder: 'C…, G… or D…' })}
${textField('user', 'User', form.user, { placeholder: 'U…' })}
${textField('userTeam', 'User’s team', form.userTeam, { placeholder: 'T…' })}
${textField('subject', 'Token subject', form.subject)}
${textField('scope', 'Scopes', form.scope, { placeholder: 'space-separated' })}
${checkbox('dm', 'Direct message')}
${checkbox('shared', 'Shared channel')}
<div class="actions"><button type="submit" class="primary">Explain</button></div>
</form>
${data.explain?.result === undefined ? '' : explainResult(data.explain.result)}</section>`
}

function explainResult(result: ExplainResult): SafeHtml {
  const { decision, steps } = result.explanation
  const facts = Object.entries(result.request)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ')
  const verdict = decision.allow
    ? html`<p class="decision decision-allow"><strong>ALLOW</strong> by rule <code>${decision.rule}</code></p>`
    : html`<p class="decision decision-deny"><strong>DENY</strong> (<code>${decision.reason}</code>) by rule <code>${decision.rule}</code></p>`
  return html`<div class="explain-result">
<p>Route <strong>${result.route}</strong>; request: <code>${facts || '(nothing given)'}</code></p>
${verdict}
${table(['Step', 'Result'], steps.map((s) => row([s.rule, s.result === 'allow' ? html`<span class="badge badge-accepted">allow</span>` : s.result])), 'No steps.')}
</div>`
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRequestFilters } from '../../../src/admin/console/filters.js'
import type { SafeHtml } from '../../../src/admin/console/html.js'
import { html } from '../../../src/admin/console/html.js'
import { LOGIN_ERROR, renderLogin, renderPage } from '../../../src/admin/console/layout.js'
import { renderInstallations } from '../../../src/admin/console/pages/installations.js'
import { renderJobs } from '../../../src/admin/console/pages/jobs.js'
import { renderKeys } from '../../../src/admin/console/pages/keys.js'
import { renderLive } from '../../../src/admin/console/pages/live.js'
import { renderRequestDetail } from '../../../src/admin/console/pages/request-detail.js'
import { renderRequests } from '../../../src/admin/console/pages/requests.js'
import { renderRoutes } from '../../../src/admin/console/pages/routes.js'
import { createSqliteAuditLog } from '../../../src/audit/audit-log.sqlite.js'
import { verifyAudit } from '../../../src/cli/audit.js'
import { configSchema } from '../../../src/config/schema.js'
import type { JobInfo } from '../../../src/dispatch/job.js'
import { explain } from '../../../src/policy/explain.js'
import { compileRouteAccess } from '../../../src/policy/route-access.js'
import { openSqliteDatabase } from '../../../src/storage/sqlite-database.js'
import type { InstallationSummary } from '../../../src/vault/installation.js'

const HOSTILE = '<script>alert(1)</script>'
const CSRF = 'csrf-token-123'
const operator = { role: 'operator', csrfToken: CSRF }
const viewer = { role: 'viewer', csrfToken: CSRF }

/** No inline script or style, no event handler attribute, no unescaped hostile string; every POST form has `_csrf`. */
function expectSafe(page: string): void {
  expect(page).not.toContain(HOSTILE)
  expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i)
  expect(page).not.toMatch(/\sstyle\s*=/i)
  expect(page).not.toMatch(/<style/i)
  expect(page).not.toMatch(/\son[a-z]+\s*=/i)
  expect(page).not.toMatch(/javascript:/i)
  for (const form of page.match(/<form[^>]*method="post"[\s\S]*?<\/form>/gi) ?? []) {
    expect(form).toContain(`<input type="hidden" name="_csrf" value="${CSRF}">`)
  }
}

const wrap = (body: SafeHtml, role = 'operator') =>
  renderPage({ title: 'Test', user: { name: HOSTILE, role }, csrfToken: CSRF, active: 'jobs', body })

const postForms = (page: string) => page.match(/<form[^>]*method="post"/gi) ?? []

describe('layout', () => {
  it('renders a page with the assets, the csrf meta, the user (escaped), the nav and a logout POST form', () => {
    const page = wrap(html`<p>hello</p>`)
    expectSafe(page)
    expect(page).toContain('<link rel="stylesheet" href="/admin/assets/console.css">')
    expect(page).toContain('<script src="/admin/assets/console.js" defer></script>')
    expect(page).toContain(`<meta name="csrf-token" content="${CSRF}">`)
    expect(page).toContain('&lt;script&gt;')
    expect(page).toMatch(/<form method="post" action="\/admin\/logout"/)
    expect(page).toContain('href="/admin/jobs" class="active" aria-current="page"')
    expect(page).toContain('href="/admin/requests"')
    // Every served section is linked.
    for (const s of ['live', 'routes', 'installations', 'keys']) expect(page).toContain(`href="/admin/${s}"`)
  })

  it('login: one generic message, whatever failed, and the name typed (escaped)', () => {
    const page = renderLogin({ error: true, name: HOSTILE, csrfToken: CSRF })
    expectSafe(page)
    expect(page).toContain(LOGIN_ERROR)
    expect(renderLogin()).not.toContain(LOGIN_ERROR)
    expect(page).not.toMatch(/locked(?! for a while)|unknown user|wrong password/i)
  })
})

describe('requests and request detail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-console-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('lists records from a real audit log with badges, job links, paging, export links and the chain state', async () => {
    const db = openSqliteDatabase(join(dir, 'audit.db'))
    const log = createSqliteAuditLog(db)
    try {
      await log.append({ at: Date.parse('2026-11-30T10:00:00Z'), kind: 'request', verdict: 'accepted', teamId: HOSTILE, channelId: 'C1', userId: 'U1', route: 'deploy', type: '/deploy', jobId: 'job-1' })
      await log.append({ at: Date.parse('2026-11-30T10:01:00Z'), kind: 'request', verdict: 'denied', reason: 'user_not_allowed', teamId: 'T1', route: HOSTILE })
      await log.append({ at: Date.parse('2026-11-30T10:02:00Z'), kind: 'request', verdict: 'rejected', reason: 'signature_mismatch', bodySha256: 'ab'.repeat(32), payload: HOSTILE })
      const parsed = parseRequestFilters(new URLSearchParams('limit=2&kind=request'), Date.parse('2026-11-30T12:00:00Z'))
      if (!parsed.ok) throw new Error('filters')
      const records = await log.read(parsed.query)
      const chain = await verifyAudit(log)
      const body = renderRequests({ form: parsed.form, problems: [], query: parsed.query, records, more: records.length === 2, chain })
      const page = wrap(body)
      expectSafe(page)
      expect(page).toContain('badge-rejected')
      expect(page).toContain('badge-denied')
      expect(page).toContain('href="/admin/requests/3"')
      expect(page).toContain(`Chain verified</strong> up to record 3`)
      expect(page).toContain(`3:${chain.head?.hash}`)
      expect(page).toContain('href="/admin/requests?kind=request&amp;limit=2&amp;cursor=2" rel="next"')
      expect(page).toContain('href="/admin/requests/export?kind=request&amp;format=jsonl"')
      expect(page).toContain('href="/admin/requests/export?kind=request&amp;format=csv"')
      expect(page).toMatch(/<form method="get" action="\/admin\/requests"/)
      expect(postForms(page)).toHaveLength(1) // only logout

      const all = await log.read({ limit: 10 })
      const first = all[0]
      const third = all[2]
      if (first === undefined || third === undefined) throw new Error('records')
      const detail = wrap(renderRequestDetail(first))
      expectSafe(detail)
      expect(detail).toContain('href="/admin/jobs?id=job-1"')
      expect(detail).toContain(first.hash)
      const withPayload = wrap(renderRequestDetail(third))
      expectSafe(withPayload)
      expect(withPayload).toContain('<pre class="payload">&lt;script&gt;')
      expect(withPayload).toContain('ab'.repeat(32))
    } finally {
      db.close()
    }
  })

  it('shows filter problems and a broken chain', () => {
    const parsed = parseRequestFilters(new URLSearchParams(`team=${encodeURIComponent(HOSTILE)}`), 0)
    if (parsed.ok) throw new Error('expected problems')
    const page = wrap(renderRequests({ form: parsed.form, problems: parsed.problems, records: [], more: false, chain: { ok: false, records: 4, head: null, problem: 'altered', seq: 5, detail: 'its content does not match its hash' } }))
    expectSafe(page)
    expect(page).toContain('role="alert"')
    expect(page).toContain('team: must be a Slack workspace id')
    expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"')
    expect(page).toContain('Audit chain problem:</strong> altered')
    expect(page).toContain('at record 5')
    expect(page).not.toContain('/admin/requests/export')
  })
})

describe('jobs', () => {
  const jobs: JobInfo[] = [
    { id: 'job-a', route: 'deploy', state: 'dead', attempts: 5, maxAttempts: 5, enqueuedAt: 0, lastError: HOSTILE },
    { id: `job-${HOSTILE}`, route: HOSTILE, state: 'dead', attempts: 1, maxAttempts: 5, enqueuedAt: 0 },
  ]

  it('operators get per-row and bulk retry/drop and the re-drive form, each a POST with _csrf and data-confirm', () => {
    const page = wrap(renderJobs({ state: 'dead', jobs, counts: { queued: 1, active: 0, dead: 2 }, routes: ['deploy', HOSTILE], ...operator }))
    expectSafe(page)
    expect(page).toContain('action="/admin/jobs/job-a/retry"')
    expect(page).toContain('action="/admin/jobs/job-a/drop"')
    expect(page).toContain(`action="/admin/jobs/${encodeURIComponent(`job-${HOSTILE}`)}/drop"`)
    expect(page).toContain('action="/admin/jobs/bulk"')
    expect(page).toContain('action="/admin/jobs/redrive"')
    expect(page).toContain('data-select-all="bulk-jobs"')
    expect(page).toContain('form="bulk-jobs"')
    const posts = page.match(/<form[^>]*method="post"[^>]*>/g) ?? []
    expect(posts.length).toBe(1 + 2 * 2 + 1 + 1)
    for (const f of posts.filter((f) => !f.includes('/admin/logout'))) expect(f).toContain('data-confirm=')
  })

  it('viewers see the jobs but no form, and are told the server refuses too', () => {
    const page = wrap(renderJobs({ state: 'dead', jobs, routes: ['deploy'], ...viewer }), 'viewer')
    expectSafe(page)
    expect(page).toContain('job-a')
    expect(postForms(page)).toHaveLength(1)
    expect(page).not.toContain('type="checkbox"')
    expect(page).toContain('The server refuses changes from viewers')
    // A role the console does not know is treated as a viewer.
    expect(postForms(wrap(renderJobs({ state: 'dead', jobs, routes: [], role: 'superuser', csrfToken: CSRF })))).toHaveLength(1)
  })

  it('offers no retry on queued jobs and no action on active ones', () => {
    const queued = wrap(renderJobs({ state: 'queued', jobs: [{ ...jobs[0], state: 'queued' } as JobInfo], routes: [], ...operator }))
    expect(queued).not.toContain('/retry"')
    expect(queued).toContain('/drop"')
    const active = wrap(renderJobs({ state: 'active', jobs: [{ ...jobs[0], state: 'active' } as JobInfo], routes: [], ...operator }))
    expect(active).not.toMatch(/\/(retry|drop)"/)
  })
})

describe('routes and policy explain', () => {
  const config = configSchema.parse({
    routes: [
      { name: 'deploy', match: { command: '/deploy' }, description: HOSTILE, handler: './deploy.ts', access: { rules: [{ name: 'ops', channels: ['C0001'], users: ['U0001'] }], deny: { users: ['U0666'] } } },
      { name: 'approve', match: { action: { pattern: '^approve_' } }, forward: { url: 'https://user:pass@svc.internal/hook?token=secret' }, public: true },
      { name: 'pick', match: { options: 'pick_one' }, handler: './pick.ts', ack: 'handler', public: true },
    ],
  })

  it('renders each route with match, target, access and ack; a forward URL without userinfo or query', () => {
    const page = wrap(renderRoutes({ routes: config.routes }))
    expectSafe(page)
    expect(page).toContain('command /deploy')
    expect(page).toContain('action /^approve_/')
    expect(page).toContain('handler <code>./deploy.ts</code>')
    expect(page).toContain('https://svc.internal/hook')
    expect(page).not.toMatch(/pass@|token=secret/)
    expect(page).toContain('channels: C0001; users: U0001')
    expect(page).toContain('<strong>deny</strong>: users: U0666')
    expect(page).toContain('handler, within')
    expect(page).toContain('200, then queued')
    expect(page).toMatch(/<form method="get" action="\/admin\/routes#explain"/)
  })

  it('renders an explanation from policy/explain', () => {
    const route = config.routes[0]
    if (route === undefined) throw new Error('route')
    const request = { teamId: 'T0001', channelId: 'C0001', userId: 'U0002', directMessage: false, sharedChannel: false }
    const explanation = explain(request, compileRouteAccess(route), { isMember: () => undefined })
    const page = wrap(renderRoutes({ routes: config.routes, explain: { form: { route: 'deploy', user: 'U0002', channel: HOSTILE }, problems: [], result: { route: 'deploy', request, explanation } } }))
    expectSafe(page)
    expect(explanation.decision.allow).toBe(false)
    expect(page).toContain('<strong>DENY</strong>')
    expect(page).toContain('by rule <code>ops</code>')
    expect(page).toContain('userId=U0002')
    expect(page).toContain('<option value="deploy" selected>')
  })
})

describe('installations and keys', () => {
  const summary: InstallationSummary = {
    key: 'team:T0001', appId: 'A1', teamId: 'T0001', teamName: HOSTILE, isEnterpriseInstall: false, installerUserId: 'U1', installedAt: 1_700_000_000, origin: 'oauth',
    botScopes: ['chat:write'], userScopes: ['search:read'], botExpiresAt: 1_800_000_000, hasBotToken: true, hasUserToken: true, rotating: true,
  }
  // A summary that (wrongly) still carries its tokens must not show them.
  const leaky = { ...summary, bot: { token: 'xoxb-SECRET', refreshToken: 'xoxe-SECRET', scopes: [] } } as InstallationSummary

  it('shows installations without tokens; revoke forms for operators only', () => {
    const page = wrap(renderInstallations({ installations: [leaky], configBotToken: true, ...operator }))
    expectSafe(page)
    expect(page).not.toContain('SECRET')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; (T0001)')
    expect(page).toContain('chat:write, user:search:read')
    expect(page).toContain('2027-01-15')
    expect(page).toContain('any (slack.botToken)')
    expect(page).toContain('name="key" value="team:T0001"')
    expect(postForms(page)).toHaveLength(2)
    const viewing = wrap(renderInstallations({ installations: [leaky], configBotToken: false, ...viewer }), 'viewer')
    expectSafe(viewing)
    expect(postForms(viewing)).toHaveLength(1)
  })

  it('shows keys and their state, never the JWK; rotate for operators only', () => {
    const now = Date.parse('2026-11-30T12:00:00Z')
    const keys = [
      { kid: 'old', alg: 'EdDSA' as const, createdAt: '2026-01-01T00:00:00Z', retireAt: '2026-02-01T00:00:00Z', jwk: { d: 'PRIVATE-D' } },
      { kid: 'prev', alg: 'EdDSA' as const, createdAt: '2026-11-01T00:00:00Z', retireAt: '2026-12-01T00:00:00Z', jwk: { d: 'PRIVATE-D' } },
      { kid: HOSTILE, alg: 'EdDSA' as const, createdAt: '2026-11-29T00:00:00Z', jwk: { d: 'PRIVATE-D' } },
    ]
    const page = wrap(renderKeys({ keys, supplied: false, now, ...operator }))
    expectSafe(page)
    expect(page).not.toContain('PRIVATE')
    expect(page).toContain('badge-retired')
    expect(page).toContain('badge-published')
    expect(page).toContain('badge-signing')
    // Times as every page writes them: UTC to the second.
    expect(page).toContain('<time datetime="2026-11-29T00:00:00.000Z">2026-11-29 00:00:00Z</time>')
    expect(page).toContain('until <time datetime="2026-12-01T00:00:00.000Z">2026-12-01 00:00:00Z</time>')
    expect(page).toContain('action="/admin/keys/rotate"')
    expect(postForms(wrap(renderKeys({ keys, supplied: false, now, ...viewer }), 'viewer'))).toHaveLength(1)
    expect(wrap(renderKeys({ keys, supplied: true, now, ...operator }))).toContain('tokens.keys')
  })
})

describe('live skeleton', () => {
  it('has an element for every field the snapshot fills', () => {
    const page = wrap(renderLive({ stores: ['audit', HOSTILE] }))
    expectSafe(page)
    for (const id of ['live-rate-accepted', 'live-rate-denied', 'live-ack-p50', 'live-ack-p99', 'live-queue-depth', 'live-dead-letters', 'live-clock-skew', 'live-ready', 'live-store-audit', 'live-updated']) {
      expect(page).toContain(`id="${id}"`)
    }
    expect(page).toContain('data-live-url="/admin/live.json"')
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { StoredAuditRecord } from '../../src/audit/audit-record.js'
import { LOGIN_ERROR } from '../../src/admin/console/layout.js'
import { CONTENT_SECURITY_POLICY } from '../../src/admin/security/headers.js'
import { hashPassword } from '../../src/admin/security/password.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { freePort } from '../helpers/redis-server.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

const ORIGIN = 'https://console.example.test'
const SAME_ORIGIN = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }
const FORM = 'application/x-www-form-urlencoded'
const OPERATOR = { name: 'olivia', password: 'operator password 0123' }
const VIEWER = { name: 'victor', password: 'viewer password 456789' }
const COOKIE = /^__Host-slackgate-admin=([A-Za-z0-9_-]{43}); Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/

let hashes: { operator: string; viewer: string }
let t: TestApp | undefined

beforeAll(async () => {
  hashes = { operator: await hashPassword(OPERATOR.password), viewer: await hashPassword(VIEWER.password) }
}, 60_000)

afterEach(async () => {
  await t?.close()
  t = undefined
})

/** The real gateway with the console at /admin, a route to a closed port (one attempt: a dead letter at once) that U0666 is refused. */
async function start(options: { workers?: boolean; admin?: string } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-admin-'))
  const admin =
    options.admin ??
    `admin:
  origin: ${ORIGIN}
  users:
    - { name: ${OPERATOR.name}, role: operator, passwordHash: "${hashes.operator}" }
    - { name: ${VIEWER.name}, role: viewer, passwordHash: "${hashes.viewer}" }
`
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `${admin}
routes:
  - name: deploy
    match: { command: /deploy }
    # A free port, closed again: nothing listens, so the one attempt fails and the job is dead at once.
    forward: { url: "http://127.0.0.1:${await freePort()}/deploy" }
    retry: { maxAttempts: 1 }
    access:
      rules: [{ name: deployers, users: [U0001] }]
      deny: { users: [U0666] }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: options.workers ?? false })
  return t
}

const inject = (app: TestApp, options: InjectOptions) => app.app.inject(options)

async function command(app: TestApp, user: string, text: string): Promise<LightMyRequestResponse> {
  const body = form({ ...commandFields, user_id: user, text, trigger_id: `${Math.random()}` })
  const res = await inject(app, { method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
  expect(res.statusCode).toBe(200)
  return res
}

function login(app: TestApp, name: string, password: string, headers: Record<string, string> = SAME_ORIGIN, remoteAddress?: string): Promise<LightMyRequestResponse> {
  return inject(app, { method: 'POST', url: '/admin/login', headers: { ...headers, 'content-type': FORM }, payload: form({ name, password }), ...(remoteAddress !== undefined && { remoteAddress }) })
}

/** Signs in and returns the cookie to send. */
async function signIn(app: TestApp, user: { name: string; password: string }): Promise<string> {
  const res = await login(app, user.name, user.password)
  expect(res.statusCode).toBe(303)
  const match = COOKIE.exec(String(res.headers['set-cookie']))
  expect(match).not.toBeNull()
  return `__Host-slackgate-admin=${match?.[1]}`
}

const page = (app: TestApp, url: string, cookie?: string) => inject(app, { method: 'GET', url, headers: cookie === undefined ? {} : { cookie } })

/** The session's CSRF token, from any page's meta tag. */
async function csrfToken(app: TestApp, cookie: string): Promise<string> {
  const res = await page(app, '/admin/jobs', cookie)
  const token = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)?.[1]
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  return token as string
}

function post(app: TestApp, url: string, cookie: string, fields: Record<string, string | string[]>, headers: Record<string, string> = SAME_ORIGIN) {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one)
  return inject(app, { method: 'POST', url, headers: { ...headers, cookie, 'content-type': FORM }, payload: body.toString() })
}

async function records(app: TestApp): Promise<StoredAuditRecord[]> {
  return app.gateway.stores.audit.read({ limit: 10_000 })
}

const adminRecords = async (app: TestApp) => (await records(app)).filter((r) => r.kind === 'admin')

/** One allowed command delivered to a closed port (a dead letter) and one refused by the deny rule; their records. */
async function traffic(app: TestApp): Promise<{ allowed: StoredAuditRecord; denied: StoredAuditRecord; jobId: string }> {
  await command(app, 'U0001', 'allowed')
  await command(app, 'U0666', 'refused')
  await waitFor(async () => (await app.gateway.stores.queue.list({ state: 'dead' })).length === 1)
  const all = await records(app)
  const allowed = all.find((r) => r.kind === 'request' && r.verdict === 'accepted')
  const denied = all.find((r) => r.kind === 'request' && r.verdict === 'denied')
  expect(denied).toMatchObject({ userId: 'U0666', route: 'deploy' })
  return { allowed: allowed as StoredAuditRecord, denied: denied as StoredAuditRecord, jobId: allowed?.jobId as string }
}

const recordLinks = (body: string) => [...body.matchAll(/href="\/admin\/requests\/([0-9]+)"/g)].map((m) => Number(m[1]))

function expectDataPage(res: LightMyRequestResponse): void {
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
  expect(res.headers['x-frame-options']).toBe('DENY')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['cache-control']).toBe('no-store')
}

describe('admin console: sign-in', { timeout: 60_000 }, () => {
  it('is off unless admin is configured', async () => {
    const app = await start({ admin: '' })
    const res = await page(app, '/admin/login')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: 'not_found' })
  })

  it('a sign-in sets the __Host- cookie with a new id each time, ends the session the browser had, and is audited', async () => {
    const app = await start()
    const loginPage = await page(app, '/admin/login')
    expect(loginPage.statusCode).toBe(200)
    expect(loginPage.body).toContain('action="/admin/login"')
    expectDataPage(loginPage)

    const first = await login(app, OPERATOR.name, OPERATOR.password)
    expect(first.statusCode).toBe(303)
    expect(first.headers.location).toBe('/admin/requests')
    expect(String(first.headers['set-cookie'])).toMatch(COOKIE)
    const firstId = COOKIE.exec(String(first.headers['set-cookie']))?.[1]
    const cookie = `__Host-slackgate-admin=${firstId}`
    expect((await page(app, '/admin/requests', cookie)).statusCode).toBe(200)

    // Signing in again from the same browser: a new id, and the old one is dead (no fixation).
    const second = await login(app, OPERATOR.name, OPERATOR.password, { ...SAME_ORIGIN, cookie })
    const secondId = COOKIE.exec(String(second.headers['set-cookie']))?.[1]
    expect(secondId).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(secondId).not.toBe(firstId)
    expect((await page(app, '/admin/requests', cookie)).headers.location).toBe('/admin/login')
    expect((await page(app, '/admin/requests', `__Host-slackgate-admin=${secondId}`)).statusCode).toBe(200)

    const logins = (await adminRecords(app)).filter((r) => r.verdict === 'login')
    expect(logins).toHaveLength(2)
    expect(logins[0]).toMatchObject({ kind: 'admin', source: 'admin', type: 'login', subject: OPERATOR.name })
  })

  it('a wrong password and an unknown name get the same generic 401 page, audited without the password', async () => {
    const app = await start()
    const wrong = await login(app, OPERATOR.name, 'not the password at all')
    const unknown = await login(app, 'nobody', 'not the password at all')
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401)
      expect(res.body).toContain(LOGIN_ERROR)
      expect(res.headers['set-cookie']).toBeUndefined()
      expectDataPage(res)
    }
    // The pages differ only by the name typed, which the form shows again.
    expect(unknown.body.replace('value="nobody"', 'value="olivia"')).toBe(wrong.body)
    const failed = await adminRecords(app)
    expect(failed.map((r) => [r.verdict, r.reason, r.subject])).toEqual([
      ['login_failed', 'admin_login_failed', 'olivia'],
      ['login_failed', 'admin_login_failed', 'nobody'],
    ])
    expect(JSON.stringify(await records(app))).not.toContain('not the password')
    expect(app.requestLogs().at(-1)).toMatchObject({ status: 401, reason: 'admin_login_failed' })
  })

  it('five failures lock the name: 429 with Retry-After and the same page, even for the right password', async () => {
    const app = await start()
    for (let i = 0; i < 5; i++) expect((await login(app, VIEWER.name, `wrong password ${i}`)).statusCode).toBe(401)
    const locked = await login(app, VIEWER.name, VIEWER.password)
    expect(locked.statusCode).toBe(429)
    expect(locked.headers['retry-after']).toBe('30')
    expect(locked.body).toContain(LOGIN_ERROR)
    expect(locked.headers['set-cookie']).toBeUndefined()
    const audit = await adminRecords(app)
    expect(audit.map((r) => r.verdict)).toEqual(['login_failed', 'login_failed', 'login_failed', 'login_failed', 'login_failed', 'locked_out'])
    expect(audit.at(-1)).toMatchObject({ reason: 'admin_locked_out', subject: VIEWER.name })
    expect(JSON.stringify(audit)).not.toContain('wrong password')
    expect(JSON.stringify(audit)).not.toContain(VIEWER.password)
  })

  it('behind admin.trustedProxies, the address throttle counts the client X-Forwarded-For names; from anyone else the header is ignored', async () => {
    const app = await start({
      admin: `admin:
  origin: ${ORIGIN}
  trustedProxies: [127.0.0.1]
  users:
    - { name: ${VIEWER.name}, role: viewer, passwordHash: "${hashes.viewer}" }
`,
    })
    const from = (address: string) => ({ ...SAME_ORIGIN, 'x-forwarded-for': address })
    // Twenty failures from one client, each under another name (no name reaches its own
    // limit), through the proxy (inject's peer is 127.0.0.1).
    for (let i = 0; i < 20; i++) expect((await login(app, `guess${i}`, 'wrong password', from('203.0.113.5'))).statusCode).toBe(401)
    expect((await login(app, VIEWER.name, VIEWER.password, from('203.0.113.5'))).statusCode).toBe(429)
    // The same client reaching the console directly cannot name another address to get past it.
    expect((await login(app, VIEWER.name, VIEWER.password, from('203.0.113.9'), '203.0.113.5')).statusCode).toBe(429)
    // Another client behind the same proxy is not locked out.
    expect((await login(app, VIEWER.name, VIEWER.password, from('203.0.113.9'))).statusCode).toBe(303)
  }, 60_000)

  it('a cross-site sign-in is refused before any password check (login CSRF)', async () => {
    const app = await start()
    const res = await login(app, OPERATOR.name, OPERATOR.password, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('csrf_cross_site')
    expect(res.headers['set-cookie']).toBeUndefined()
    expect(await adminRecords(app)).toEqual([expect.objectContaining({ type: 'login', verdict: 'refused', reason: 'csrf_cross_site' })])
  })

  it('pages need a session: none, or an ended one, is sent to the sign-in', async () => {
    const app = await start()
    for (const url of ['/admin/requests', '/admin/requests/1', '/admin/requests/export?format=jsonl', '/admin/jobs']) {
      const res = await page(app, url)
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('/admin/login')
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    }
    const post = await inject(app, { method: 'POST', url: '/admin/jobs/j1/retry', headers: { ...SAME_ORIGIN, 'content-type': FORM }, payload: '' })
    expect(post.headers.location).toBe('/admin/login')
    const stale = await page(app, '/admin/requests', `__Host-slackgate-admin=${'A'.repeat(43)}`)
    expect(stale.statusCode).toBe(303)
    expect(stale.headers['set-cookie']).toBe('__Host-slackgate-admin=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict')
    expect(app.requestLogs().at(-1)).toMatchObject({ status: 303, reason: 'admin_session_expired' })
  })

  it('logout ends the session: the old cookie is sent to the sign-in', async () => {
    const app = await start()
    const cookie = await signIn(app, VIEWER)
    const token = await csrfToken(app, cookie)
    const res = await inject(app, { method: 'POST', url: '/admin/logout', headers: { ...SAME_ORIGIN, cookie, 'x-csrf-token': token } })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/login')
    expect(res.headers['set-cookie']).toMatch(/^__Host-slackgate-admin=; Max-Age=0;/)
    expect((await page(app, '/admin/requests', cookie)).headers.location).toBe('/admin/login')
    expect((await adminRecords(app)).at(-1)).toMatchObject({ verdict: 'logout', subject: VIEWER.name })
  })
})

describe('admin console: pages', { timeout: 60_000 }, () => {
  it('Requests filtered to one user denied shows exactly those records; a record has its page; the chain is verified', async () => {
    const app = await start({ workers: true })
    const { allowed, denied } = await traffic(app)
    const cookie = await signIn(app, VIEWER)

    const filtered = await page(app, '/admin/requests?user=U0666&verdict=denied', cookie)
    expect(filtered.statusCode).toBe(200)
    expectDataPage(filtered)
    expect(recordLinks(filtered.body)).toEqual([denied.seq])
    expect(filtered.body).toContain('Chain verified')
    // The route and reason filters are applied after the read (the log has no such column).
    expect(recordLinks((await page(app, '/admin/requests?route=deploy&kind=request', cookie)).body)).toEqual([denied.seq, allowed.seq])
    expect(recordLinks((await page(app, `/admin/requests?reason=${String(denied.reason)}`, cookie)).body)).toEqual([denied.seq])

    const bad = await page(app, '/admin/requests?verdict=maybe', cookie)
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('verdict: must be one of')

    const detail = await page(app, `/admin/requests/${denied.seq}`, cookie)
    expect(detail.statusCode).toBe(200)
    expectDataPage(detail)
    expect(detail.body).toContain('U0666')
    expect(detail.body).toContain(denied.hash)
    const missing = await page(app, '/admin/requests/999999', cookie)
    expect(missing.statusCode).toBe(404)
    expect(app.requestLogs().at(-1)).toMatchObject({ reason: 'not_found' })
  })

  it('exports JSON lines and CSV with the page filters, as attachments, and records who took them', async () => {
    const app = await start({ workers: true })
    const { denied } = await traffic(app)
    const cookie = await signIn(app, OPERATOR)

    const jsonl = await page(app, '/admin/requests/export?format=jsonl&user=U0666&verdict=denied', cookie)
    expect(jsonl.statusCode).toBe(200)
    expectDataPage(jsonl)
    expect(jsonl.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(jsonl.headers['content-disposition']).toBe('attachment; filename="slackgate-audit.jsonl"')
    expect(jsonl.body.trim().split('\n').map((l) => JSON.parse(l) as StoredAuditRecord)).toEqual([denied])

    // A reason is checked on each record (the log has no such filter): the CSV lines kept are the matching records'.
    const csv = await page(app, `/admin/requests/export?format=csv&reason=${String(denied.reason)}`, cookie)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toBe('attachment; filename="slackgate-audit.csv"')
    const lines = csv.body.trim().split('\n')
    expect(lines[0]).toMatch(/^seq,at,kind,/)
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([String(denied.seq)])

    expect((await page(app, '/admin/requests/export?format=xml', cookie)).statusCode).toBe(400)
    const exports = (await adminRecords(app)).filter((r) => r.verdict === 'exported')
    expect(exports.map((r) => r.target)).toEqual(['format=jsonl&user=U0666&verdict=denied', `format=csv&reason=${String(denied.reason)}`])
    expect(exports[0]).toMatchObject({ subject: OPERATOR.name, type: 'requests_export' })
  })

  it('assets are served with their types, the security headers and a cache life', async () => {
    const app = await start()
    for (const [url, type] of [
      ['/admin/assets/console.css', 'text/css; charset=utf-8'],
      ['/admin/assets/console.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const res = await page(app, url)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe(type)
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers['cache-control']).toBe('public, max-age=300, must-revalidate')
      const again = await inject(app, { method: 'GET', url, headers: { 'if-none-match': String(res.headers.etag) } })
      expect(again.statusCode).toBe(304)
    }
    // An unknown page is not told apart from a known one without a session.
    expect((await page(app, '/admin/nothing-here')).headers.location).toBe('/admin/login')
    const missing = await page(app, '/admin/nothing-here', await signIn(app, VIEWER))
    expect(missing.statusCode).toBe(404)
    expect(missing.body).toContain('not_found')
    expectDataPage(missing)
  })
})

describe('admin console: jobs', { timeout: 60_000 }, () => {
  it('a viewer sees dead jobs but a retry is refused admin_forbidden, audited', async () => {
    const app = await start({ workers: true })
    const { jobId } = await traffic(app)
    const cookie = await signIn(app, VIEWER)
    const list = await page(app, '/admin/jobs?state=dead', cookie)
    expect(list.statusCode).toBe(200)
    expectDataPage(list)
    expect(list.body).toContain(jobId)
    expect(list.body).not.toContain('/retry')

    const res = await post(app, `/admin/jobs/${jobId}/retry`, cookie, { _csrf: await csrfToken(app, cookie) })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('admin_forbidden')
    expect((await adminRecords(app)).at(-1)).toMatchObject({ verdict: 'refused', reason: 'admin_forbidden', subject: VIEWER.name, jobId })
    expect(await app.gateway.stores.queue.list({ state: 'dead' })).toEqual([expect.objectContaining({ id: jobId })])
  })

  it('an operator retries a dead job (delivered again), then drops it in bulk; each audited with the name and job id', async () => {
    const app = await start({ workers: true })
    const { jobId } = await traffic(app)
    const cookie = await signIn(app, OPERATOR)
    const token = await csrfToken(app, cookie)
    const deliveries = async () => (await records(app)).filter((r) => r.kind === 'delivery' && r.jobId === jobId)
    expect(await deliveries()).toHaveLength(1)

    const list = await page(app, '/admin/jobs?state=dead', cookie)
    expect(list.body).toContain(`/admin/jobs/${jobId}/retry`)
    const retried = await post(app, `/admin/jobs/${jobId}/retry`, cookie, { _csrf: token })
    expect(retried.statusCode).toBe(303)
    expect(retried.headers.location).toBe('/admin/jobs?state=dead')
    // Queued again with a fresh attempt count: the worker delivers it once more (to the closed port, dead again).
    await waitFor(async () => (await deliveries()).length === 2)
    await waitFor(async () => (await app.gateway.stores.queue.list({ state: 'dead' })).length === 1)
    expect((await adminRecords(app)).at(-1)).toMatchObject({ type: 'job_retry', verdict: 'retried', subject: OPERATOR.name, jobId })

    const dropped = await post(app, '/admin/jobs/bulk', cookie, { _csrf: token, action: 'drop', id: [jobId, 'no-such-job'] })
    expect(dropped.statusCode).toBe(303)
    expect(await app.gateway.stores.queue.list({ state: 'dead' })).toEqual([])
    expect((await adminRecords(app)).slice(-2).map((r) => [r.type, r.verdict, r.jobId, r.subject])).toEqual([
      ['job_drop', 'dropped', jobId, OPERATOR.name],
      ['job_drop', 'not_found', 'no-such-job', OPERATOR.name],
    ])
  })

  it('an operator re-drives the dead letters of a route since a time: those enqueued since then are queued again, each audited', async () => {
    const app = await start({ workers: true })
    const { jobId } = await traffic(app)
    const cookie = await signIn(app, OPERATOR)
    const token = await csrfToken(app, cookie)
    const deliveries = async () => (await records(app)).filter((r) => r.kind === 'delivery' && r.jobId === jobId)

    // Since a time after the job was enqueued: nothing to re-drive.
    expect((await post(app, '/admin/jobs/redrive', cookie, { _csrf: token, route: 'deploy', since: '2100-01-01T00:00:00Z' })).statusCode).toBe(303)
    expect((await adminRecords(app)).filter((r) => r.type === 'job_retry')).toEqual([])
    // An unknown route is a clear 400, nothing done.
    const unknown = await post(app, '/admin/jobs/redrive', cookie, { _csrf: token, route: 'nope', since: '2000-01-01T00:00:00Z' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain('a configured route')

    expect((await post(app, '/admin/jobs/redrive', cookie, { _csrf: token, route: 'deploy', since: '2000-01-01T00:00:00Z' })).statusCode).toBe(303)
    await waitFor(async () => (await deliveries()).length === 2)
    expect((await adminRecords(app)).filter((r) => r.type === 'job_retry').map((r) => [r.verdict, r.jobId, r.subject])).toEqual([['retried', jobId, OPERATOR.name]])
  })

  it('a POST must come from the console origin and carry the session token: each refusal has its code and changes nothing', async () => {
    const app = await start({ workers: true })
    const { jobId } = await traffic(app)
    const cookie = await signIn(app, OPERATOR)
    const token = await csrfToken(app, cookie)
    const url = `/admin/jobs/${jobId}/drop`
    const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
      [{}, SAME_ORIGIN, 'csrf_token_invalid'],
      [{ _csrf: 'A'.repeat(43) }, SAME_ORIGIN, 'csrf_token_invalid'],
      [{ _csrf: token }, { 'sec-fetch-site': 'cross-site', origin: ORIGIN }, 'csrf_cross_site'],
      [{ _csrf: token }, { origin: 'https://evil.example' }, 'csrf_origin_mismatch'],
      [{ _csrf: token }, {}, 'csrf_origin_missing'],
    ]
    for (const [fields, headers, code] of cases) {
      const res = await post(app, url, cookie, fields, headers)
      expect(res.statusCode).toBe(403)
      expect(res.body).toContain(code)
      expectDataPage(res)
      expect((await adminRecords(app)).at(-1)).toMatchObject({ verdict: 'refused', reason: code, subject: OPERATOR.name, jobId })
    }
    expect(await app.gateway.stores.queue.list({ state: 'dead' })).toEqual([expect.objectContaining({ id: jobId })])
    // A JSON body is not a console form: refused before any handler.
    const json = await inject(app, { method: 'POST', url, headers: { ...SAME_ORIGIN, cookie, 'x-csrf-token': token, 'content-type': 'application/json' }, payload: '{}' })
    expect(json.statusCode).toBe(415)
    expect(json.body).toContain('unsupported_media_type')
    // The same request with everything right does act.
    expect((await post(app, url, cookie, { _csrf: token })).statusCode).toBe(303)
    expect(await app.gateway.stores.queue.list({ state: 'dead' })).toEqual([])
  })
})

describe('admin console: its own listener', { timeout: 60_000 }, () => {
  it('with admin.listen the console is served by its own app, not by the gateway', async () => {
    const app = await start({
      admin: `admin:
  listen: { host: 127.0.0.1, port: 0 }
  origin: ${ORIGIN}
  users:
    - { name: ${VIEWER.name}, role: viewer, passwordHash: "${hashes.viewer}" }
`,
    })
    expect((await page(app, '/admin/login')).statusCode).toBe(404)
    const consoleApp = app.gateway.consoleApp
    expect(consoleApp).toBeDefined()
    const res = await consoleApp?.inject({ method: 'GET', url: '/admin/login' })
    expect(res?.statusCode).toBe(200)
    expect(res?.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    const signedIn = await consoleApp?.inject({ method: 'POST', url: '/admin/login', headers: { ...SAME_ORIGIN, 'content-type': FORM }, payload: form(VIEWER) })
    expect(signedIn?.statusCode).toBe(303)
    expect(String(signedIn?.headers['set-cookie'])).toMatch(COOKIE)
  })
})

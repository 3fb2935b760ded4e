import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoredAuditRecord } from '../../src/audit/audit-record.js'
import { LOGIN_ERROR } from '../../src/admin/console/layout.js'
import { hashPassword } from '../../src/admin/security/password.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { autoSubmitPage, chromiumAvailable, launchChromium, screenshot, startLocalServer, VIEWPORT, type LocalServer } from '../helpers/console-browser.js'
import { freePort } from '../helpers/redis-server.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

// The admin console as its users meet it: the real gateway listening on 127.0.0.1, driven by
// headless Chromium (each context a browser profile of its own), so the cookie, the
// Fetch Metadata and Origin headers, the confirm dialogs and the downloads are the browser's.
// The same checks run through Fastify's inject in test/http/admin-console.test.ts everywhere.
// With SCREENSHOTS=1 it also writes docs/screenshots/admin-<page>.png.

const OPERATOR = { name: 'olivia', password: 'operator password 0123' }
const VIEWER = { name: 'victor', password: 'viewer password 456789' }
const COOKIE_NAME = '__Host-slackgate-admin'
const WAIT_MS = 10_000

let app: TestApp
let base: string
let browser: Browser
/** The forward target of the deploy route: closed until the retry step opens it. */
let targetPort: number
let target: LocalServer | undefined
let elsewhere: LocalServer | undefined
let operator: BrowserContext
let page: Page
/** Dead jobs of the deploy route: retried, dropped, and left for the refusals. */
let jobs: { retry: string; drop: string; keep: string }
let deniedSeqs: number[]

async function command(user: string, text: string, name = '/deploy'): Promise<void> {
  const body = form({ ...commandFields, command: name, user_id: user, text, trigger_id: `${Math.random()}` })
  const headers = slackHeaders(body, { contentType: 'application/x-www-form-urlencoded', timestamp: Math.floor(Date.now() / 1000) })
  const res = await fetch(`${base}/slack/commands`, { method: 'POST', headers, body })
  expect(res.status).toBe(200)
}

const records = (): Promise<StoredAuditRecord[]> => app.gateway.stores.audit.read({ limit: 10_000 })
const adminRecords = async () => (await records()).filter((r) => r.kind === 'admin')
const deadIds = async () => (await app.gateway.stores.queue.list({ state: 'dead' })).map((j) => j.id)

/** A new browser profile, 1280×800, every wait bounded. */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true })
  context.setDefaultTimeout(WAIT_MS)
  context.setDefaultNavigationTimeout(WAIT_MS)
  return context
}

/** Fills and submits the sign-in form; returns the answer to the POST. */
async function logIn(p: Page, user: { name: string; password: string }): Promise<Response> {
  if (!p.url().endsWith('/admin/login')) await p.goto(`${base}/admin/login`)
  await p.fill('#login-name', user.name)
  await p.fill('#login-password', user.password)
  const [res] = await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${base}/admin/login`), p.click('button[type=submit]')])
  await p.waitForLoadState('load')
  return res
}

/** Clicks a button that posts a form and returns the answer to that POST (the page then follows any redirect). */
async function submit(p: Page, button: ReturnType<Page['locator']>, path: string): Promise<Response> {
  const [res] = await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${base}${path}`), button.click()])
  await p.waitForLoadState('load')
  return res
}

const jobRow = (p: Page, id: string) => p.locator('tbody tr', { has: p.locator('code', { hasText: id }) })

describe.skipIf(!chromiumAvailable())('the admin console in a real browser', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const [operatorHash, viewerHash] = [await hashPassword(OPERATOR.password), await hashPassword(VIEWER.password)]
    const port = await freePort()
    targetPort = await freePort()
    base = `http://127.0.0.1:${port}`
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-console-browser-'))
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      `admin:
  origin: ${base}
  users:
    - { name: ${OPERATOR.name}, role: operator, passwordHash: "${operatorHash}" }
    - { name: ${VIEWER.name}, role: viewer, passwordHash: "${viewerHash}" }
routes:
  - name: deploy
    match: { command: /deploy }
    # Nothing listens there yet: the one attempt fails and the job is dead at once.
    forward: { url: "http://127.0.0.1:${targetPort}/deploy" }
    retry: { maxAttempts: 1 }
    access:
      rules: [{ name: deployers, users: [U0001] }]
      deny: { users: [U0666] }
  - name: notify
    match: { command: /notify }
    # Never open: after its first failure the job waits an hour in the queue.
    forward: { url: "http://127.0.0.1:${await freePort()}/notify" }
    retry: { maxAttempts: 5, baseDelayMs: 3600000, maxDelayMs: 3600000 }
    access:
      rules: [{ name: notifiers, users: [U0001] }]
`,
    )
    app = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, clock: () => Math.floor(Date.now() / 1000) })
    await app.app.listen({ port, host: '127.0.0.1' })

    for (const n of [1, 2, 3]) await command('U0001', `prod ${n}`)
    await command('U0666', 'prod please')
    await command('U0777', 'staging')
    await command('U0666', 'prod now')
    await command('U0001', 'release done', '/notify')
    await waitFor(async () => (await deadIds()).length === 3, WAIT_MS)
    await waitFor(async () => (await records()).some((r) => r.kind === 'delivery' && r.route === 'notify' && r.verdict === 'retrying'), WAIT_MS)
    const [retry, drop, keep] = await deadIds()
    jobs = { retry: retry as string, drop: drop as string, keep: keep as string }
    deniedSeqs = (await records())
      .filter((r) => r.kind === 'request' && r.verdict === 'denied' && r.userId === 'U0666')
      .map((r) => r.seq)
      .reverse()
    expect(deniedSeqs).toHaveLength(2)

    browser = await launchChromium()
    operator = await newContext()
    page = await operator.newPage()
    // The console asks before each job action (data-confirm): the operator says yes.
    page.on('dialog', (dialog) => void dialog.accept())
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await target?.close()
    await elsewhere?.close()
  })

  it('signs in with the form and lands on Requests', async () => {
    await page.goto(`${base}/admin/requests`)
    expect(page.url()).toBe(`${base}/admin/login`)
    await screenshot(page, 'login')
    const res = await logIn(page, OPERATOR)
    expect(res.status()).toBe(303)
    expect(page.url()).toBe(`${base}/admin/requests`)
    expect(await page.textContent('main h1')).toBe('Requests')
    expect(await page.textContent('.chain')).toContain('Chain verified')
  })

  it("filters the log to one user's refused requests with the form and shows exactly those", async () => {
    await page.fill('#f-user', 'U0666')
    await page.selectOption('#f-verdict', 'denied')
    await Promise.all([page.waitForURL(/[?&]user=U0666/), page.click('button:has-text("Filter")')])
    expect(new URL(page.url()).searchParams.get('verdict')).toBe('denied')
    const links = await page.$$eval('tbody a[href^="/admin/requests/"]', (as) => as.map((a) => a.getAttribute('href')))
    expect(links).toEqual(deniedSeqs.map((s) => `/admin/requests/${s}`))
    const cells = await page.$$eval('tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())))
    for (const cells_ of cells) expect([cells_[1], cells_[7]]).toEqual(['denied', 'U0666'])
    await screenshot(page, 'requests')
  })

  it('opens a record: every field and its place in the chain', async () => {
    const seq = deniedSeqs[0] as number
    const record = (await records()).find((r) => r.seq === seq) as StoredAuditRecord
    await Promise.all([page.waitForURL(`${base}/admin/requests/${seq}`), page.click(`a[href="/admin/requests/${seq}"]`)])
    const text = await page.textContent('main')
    expect(text).toContain('U0666')
    expect(text).toContain(record.hash)
    expect(text).toContain(String(record.reason))
    await screenshot(page, 'record')
    await page.goBack()
  })

  it('exports the filtered records as JSON lines and CSV downloads', async () => {
    const download = async (label: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(`.exports a:has-text("${label}")`)])
      return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') }
    }
    const jsonl = await download('JSON lines')
    expect(jsonl.name).toBe('slackgate-audit.jsonl')
    const exported = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as StoredAuditRecord)
    // Oldest first, and only what the filter matched.
    expect(exported.map((r) => [r.seq, r.userId, r.verdict])).toEqual([...deniedSeqs].reverse().map((s) => [s, 'U0666', 'denied']))

    const csv = await download('CSV')
    expect(csv.name).toBe('slackgate-audit.csv')
    const [header, ...rows] = csv.text.trim().split('\n').map((l) => l.split(','))
    const column = (name: string) => (header ?? []).indexOf(name)
    expect(rows.map((r) => [Number(r[column('seq')]), r[column('userId')], r[column('verdict')]])).toEqual([...deniedSeqs].reverse().map((s) => [s, 'U0666', 'denied']))
    expect((await adminRecords()).filter((r) => r.verdict === 'exported').map((r) => r.target)).toEqual([
      'format=jsonl&user=U0666&verdict=denied',
      'format=csv&user=U0666&verdict=denied',
    ])
  })

  it('the Jobs page lists the dead jobs with their actions and counts the queued one', async () => {
    await page.goto(`${base}/admin/jobs?state=dead`)
    for (const id of Object.values(jobs)) await expect(jobRow(page, id).getByRole('button', { name: 'Retry' }).count()).resolves.toBe(1)
    expect(await page.textContent('nav.tabs a[href="/admin/jobs?state=queued"] .count')).toBe('1')
    await screenshot(page, 'jobs')
  })

  it('a form sent without the CSRF token, or with a wrong one, is refused and changes nothing', async () => {
    const drop = jobRow(page, jobs.keep).getByRole('button', { name: 'Drop' })
    const token = jobRow(page, jobs.keep).locator('form[action$="/drop"] input[name="_csrf"]')
    await token.evaluate((input) => input.setAttribute('value', 'A'.repeat(43)))
    const wrong = await submit(page, drop, `/admin/jobs/${jobs.keep}/drop`)
    expect(wrong.status()).toBe(403)
    expect(await page.textContent('main')).toContain('csrf_token_invalid')

    await page.goto(`${base}/admin/jobs?state=dead`)
    await jobRow(page, jobs.keep).locator('form[action$="/drop"] input[name="_csrf"]').evaluate((input) => input.remove())
    const missing = await submit(page, jobRow(page, jobs.keep).getByRole('button', { name: 'Drop' }), `/admin/jobs/${jobs.keep}/drop`)
    expect(missing.status()).toBe(403)
    expect(await page.textContent('main')).toContain('csrf_token_invalid')

    expect(await deadIds()).toContain(jobs.keep)
    expect((await adminRecords()).slice(-2).map((r) => [r.verdict, r.reason, r.subject, r.jobId])).toEqual([
      ['refused', 'csrf_token_invalid', OPERATOR.name, jobs.keep],
      ['refused', 'csrf_token_invalid', OPERATOR.name, jobs.keep],
    ])
  })

  it('a page on another origin that posts a retry is refused, though the operator is signed in in the same browser', async () => {
    elsewhere = await startLocalServer({ page: autoSubmitPage(`${base}/admin/jobs/${jobs.keep}/retry`) })
    const other = await operator.newPage()
    const [res] = await Promise.all([
      other.waitForResponse((r) => r.url() === `${base}/admin/jobs/${jobs.keep}/retry`),
      other.goto(elsewhere.origin),
    ])
    expect(res.status()).toBe(403)
    await other.waitForLoadState('load')
    expect(await other.textContent('body')).toContain('csrf_cross_site')
    await other.close()
    // The cookie went along (another port of the same host is the same site): the refusal is
    // the Fetch Metadata check's, recorded under the operator's name, and the job is untouched.
    expect((await adminRecords()).at(-1)).toMatchObject({ verdict: 'refused', reason: 'csrf_cross_site', subject: OPERATOR.name, jobId: jobs.keep })
    expect(await deadIds()).toContain(jobs.keep)
  })

  it('an operator retries a dead job (delivered once its target is up) and drops another', async () => {
    target = await startLocalServer({ port: targetPort })
    await page.goto(`${base}/admin/jobs?state=dead`)
    const retried = await submit(page, jobRow(page, jobs.retry).getByRole('button', { name: 'Retry' }), `/admin/jobs/${jobs.retry}/retry`)
    expect(retried.status()).toBe(303)
    expect(page.url()).toBe(`${base}/admin/jobs?state=dead`)
    await waitFor(async () => (await records()).some((r) => r.kind === 'delivery' && r.jobId === jobs.retry && r.verdict === 'delivered'), WAIT_MS)
    expect(target.received.map((r) => [r.method, r.url])).toEqual([['POST', '/deploy']])

    const dropped = await submit(page, jobRow(page, jobs.drop).getByRole('button', { name: 'Drop' }), `/admin/jobs/${jobs.drop}/drop`)
    expect(dropped.status()).toBe(303)
    await page.reload()
    expect(await jobRow(page, jobs.retry).count()).toBe(0)
    expect(await jobRow(page, jobs.drop).count()).toBe(0)
    expect(await deadIds()).toEqual([jobs.keep])
    const all = [...(await app.gateway.stores.queue.list({ state: 'queued' })), ...(await app.gateway.stores.queue.list({ state: 'active' }))]
    expect(all.map((j) => j.id)).not.toContain(jobs.drop)
    expect((await adminRecords()).filter((r) => r.type === 'job_retry' || r.type === 'job_drop').map((r) => [r.verdict, r.jobId, r.subject])).toEqual([
      ['retried', jobs.retry, OPERATOR.name],
      ['dropped', jobs.drop, OPERATOR.name],
    ])
  })

  it('screens every other page the navigation links to', async () => {
    const sections = await page.$$eval('nav.sections a', (as) => as.map((a) => a.getAttribute('href') ?? ''))
    expect(sections.slice(0, 2)).toEqual(['/admin/requests', '/admin/jobs'])
    for (const href of sections.slice(2)) {
      const res = await page.goto(`${base}${href}`)
      expect(res?.status()).toBe(200)
      // Live polls every 2 s and needs two samples for a rate.
      await screenshot(page, href.replace('/admin/', ''), href === '/admin/live' ? 4500 : 0)
    }
  })

  it('a viewer sees no retry button, and a POST made with their own session and token is refused', async () => {
    const context = await newContext()
    const viewer = await context.newPage()
    expect((await logIn(viewer, VIEWER)).status()).toBe(303)
    await viewer.goto(`${base}/admin/jobs?state=dead`)
    expect(await jobRow(viewer, jobs.keep).count()).toBe(1)
    expect(await viewer.getByRole('button', { name: /Retry|Drop/ }).count()).toBe(0)
    // From the console's own page, so Origin and Sec-Fetch-Site are right: only the role is wrong.
    const token = await viewer.getAttribute('meta[name="csrf-token"]', 'content')
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const forged = await viewer.evaluate(
      async ({ url, token }) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token }) })
        return { status: res.status, body: await res.text() }
      },
      { url: `/admin/jobs/${jobs.keep}/retry`, token: token ?? '' },
    )
    expect(forged.status).toBe(403)
    expect(forged.body).toContain('admin_forbidden')
    expect(await deadIds()).toEqual([jobs.keep])
    expect((await adminRecords()).at(-1)).toMatchObject({ verdict: 'refused', reason: 'admin_forbidden', subject: VIEWER.name, jobId: jobs.keep })
    await context.close()
  })

  it('logs out: the old session no longer opens a page', async () => {
    const cookie = (await operator.cookies(base)).find((c) => c.name === COOKIE_NAME)
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const withOldCookie = () => fetch(`${base}/admin/requests`, { headers: { cookie: `${COOKIE_NAME}=${cookie?.value}` }, redirect: 'manual' })
    expect((await withOldCookie()).status).toBe(200)

    await page.goto(`${base}/admin/requests`)
    const res = await submit(page, page.getByRole('button', { name: 'Log out' }), '/admin/logout')
    expect(res.status()).toBe(303)
    expect(page.url()).toBe(`${base}/admin/login`)
    expect((await operator.cookies(base)).map((c) => c.name)).not.toContain(COOKIE_NAME)
    const after = await withOldCookie()
    expect(after.status).toBe(303)
    expect(after.headers.get('location')).toBe('/admin/login')
    await page.goto(`${base}/admin/jobs`)
    expect(page.url()).toBe(`${base}/admin/login`)
  })

  it('five wrong passwords lock the name: the right one then gets the locked page, and both are audited', async () => {
    const context = await newContext()
    const p = await context.newPage()
    for (let i = 0; i < 5; i++) expect((await logIn(p, { name: VIEWER.name, password: `wrong password ${i}` })).status()).toBe(401)
    const locked = await logIn(p, VIEWER)
    expect(locked.status()).toBe(429)
    expect(p.url()).toBe(`${base}/admin/login`)
    expect(await p.textContent('[role="alert"]')).toBe(LOGIN_ERROR)
    expect((await context.cookies(base)).map((c) => c.name)).not.toContain(COOKIE_NAME)
    const audit = (await adminRecords()).filter((r) => r.subject === VIEWER.name && r.type === 'login')
    expect(audit.slice(-6).map((r) => [r.verdict, r.reason])).toEqual([
      ...Array.from({ length: 5 }, () => ['login_failed', 'admin_login_failed']),
      ['locked_out', 'admin_locked_out'],
    ])
    expect(JSON.stringify(await records())).not.toContain('wrong password')
    await context.close()
  })
})

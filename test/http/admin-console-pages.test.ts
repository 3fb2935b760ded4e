import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../src/admin/security/headers.js'
import { hashPassword } from '../../src/admin/security/password.js'
import type { LiveSnapshot } from '../../src/admin/console/pages/live.js'
import type { Installation } from '../../src/vault/installation.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { freePort } from '../helpers/redis-server.js'
import { commandFields, form, NOW, slackHeaders } from '../helpers/signing.js'

// The Live, Routes, Installations and Keys pages through the real gateway, as a browser reaches them.
const ORIGIN = 'https://console.example.test'
const SAME_ORIGIN = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }
const FORM = 'application/x-www-form-urlencoded'
const OPERATOR = { name: 'olivia', password: 'operator password 0123' }
const VIEWER = { name: 'victor', password: 'viewer password 456789' }
const BOT_TOKEN = 'xoxb-4242-admin-pages-bot-token'
const USER_TOKEN = 'xoxp-4242-admin-pages-user-token'

let hashes: { operator: string; viewer: string }
let t: TestApp | undefined
/** The gateway's clock, epoch seconds: a test moves it to measure rates. */
let clock = NOW

beforeAll(async () => {
  const [operator, viewer] = await Promise.all([hashPassword(OPERATOR.password), hashPassword(VIEWER.password)])
  hashes = { operator, viewer }
}, 60_000)

afterEach(async () => {
  await t?.close()
  t = undefined
  clock = NOW
})

/** The real gateway with the console at /admin, a vault, and a route that U0001 may use and U0666 may not. */
async function start(): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-admin-pages-'))
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `admin:
  origin: ${ORIGIN}
  users:
    - { name: ${OPERATOR.name}, role: operator, passwordHash: "${hashes.operator}" }
    - { name: ${VIEWER.name}, role: viewer, passwordHash: "${hashes.viewer}" }
vault:
  masterKey: { ref: env:MASTER }
routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: "http://127.0.0.1:${await freePort()}/deploy?token=not-for-the-page" }
    access:
      rules: [{ name: deployers, users: [U0001] }]
      deny: { users: [U0666] }
  - name: status
    match: { command: /status }
    forward: { url: "http://127.0.0.1:${await freePort()}/status" }
    public: true
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), clock: () => clock, env: { MASTER: randomBytes(32).toString('base64') } })
  return t
}

async function command(app: TestApp, user: string): Promise<void> {
  const body = form({ ...commandFields, user_id: user, trigger_id: `${Math.random()}` })
  const res = await app.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
  expect(res.statusCode).toBe(200)
}

/** Signs in; the cookie to send and the session's CSRF token. */
async function signIn(app: TestApp, user: { name: string; password: string }): Promise<{ cookie: string; csrf: string }> {
  const res = await app.app.inject({ method: 'POST', url: '/admin/login', headers: { ...SAME_ORIGIN, 'content-type': FORM }, payload: form(user) })
  expect(res.statusCode).toBe(303)
  const cookie = String(res.headers['set-cookie']).split(';')[0] as string
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec((await page(app, '/admin/keys', cookie)).body)?.[1]
  expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/)
  return { cookie, csrf: csrf as string }
}

const page = (app: TestApp, url: string, cookie: string) => app.app.inject({ method: 'GET', url, headers: { cookie } })

function post(app: TestApp, url: string, cookie: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  return app.app.inject({ method: 'POST', url, headers: { ...SAME_ORIGIN, cookie, 'content-type': FORM }, payload: form(fields) })
}

function expectDataPage(res: LightMyRequestResponse): void {
  expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
  expect(res.headers['x-frame-options']).toBe('DENY')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['cache-control']).toBe('no-store')
}

function expectRefused(res: LightMyRequestResponse, code: string): void {
  expect(res.statusCode).toBe(403)
  expect(res.body).toContain(`<code>${code}</code>`)
  expectDataPage(res)
}

const adminRecords = async (app: TestApp) => (await app.gateway.stores.audit.read({ limit: 10_000 })).filter((r) => r.kind === 'admin')

const installation = (teamId: string): Installation => ({
  key: `team:${teamId}`,
  appId: 'A0001',
  teamId,
  teamName: 'Acme',
  isEnterpriseInstall: false,
  installedAt: NOW,
  origin: 'oauth',
  installerUserId: 'U0INSTALLER',
  bot: { token: BOT_TOKEN, scopes: ['chat:write', 'commands'], refreshToken: 'xoxe-1-refresh-not-for-the-page', expiresAt: NOW + 43_200 },
  user: { token: USER_TOKEN, scopes: ['search:read'] },
})

describe('admin console: Live, Routes, Installations, Keys', { timeout: 60_000 }, () => {
  it('each page renders for a viewer, with the security headers and no-store, and without the operator forms', async () => {
    const app = await start()
    const { cookie } = await signIn(app, VIEWER)
    for (const [url, heading] of [['/admin/live', 'Live'], ['/admin/routes', 'Routes'], ['/admin/installations', 'Installations'], ['/admin/keys', 'Keys']] as const) {
      const res = await page(app, url, cookie)
      expect(res.statusCode, url).toBe(200)
      expectDataPage(res)
      expect(res.body).toContain(`<h1>${heading}</h1>`)
      expect(res.body).toContain(`href="${url}" class="active" aria-current="page"`)
      expect(res.body).not.toContain('action="/admin/installations/revoke"')
      expect(res.body).not.toContain('action="/admin/keys/rotate"')
    }
    const json = await page(app, '/admin/live.json', cookie)
    expect(json.statusCode).toBe(200)
    expectDataPage(json)
    expect(json.headers['content-type']).toMatch(/^application\/json/)
    // Signed out, the snapshot is not served.
    expect((await app.app.inject({ method: 'GET', url: '/admin/live.json' })).statusCode).toBe(303)
  })

  it('live.json: requests per second, totals, ack latency, queue depth and readiness move after signed Slack requests', async () => {
    const app = await start()
    const { cookie } = await signIn(app, VIEWER)
    const live = await page(app, '/admin/live', cookie)
    // The readiness checks /readyz runs have their elements before the first poll.
    for (const store of ['replay-store', 'queue', 'audit', 'vault']) expect(live.body).toContain(`id="live-store-${store}"`)
    const before = (await page(app, '/admin/live.json', cookie)).json<LiveSnapshot>()
    expect(before.fields).toMatchObject({ 'live-total-accepted': '0', 'live-rate-accepted': '—', 'live-ack-p50': '—', 'live-queue-depth': '0' })
    expect(before.states).toMatchObject({ 'live-ready': 'ok', 'live-store-vault': 'ok', 'live-store-queue': 'ok' })

    for (const user of ['U0001', 'U0001', 'U0001', 'U0666']) await command(app, user)
    clock = NOW + 2
    const after = (await page(app, '/admin/live.json', cookie)).json<LiveSnapshot>()
    expect(after.fields).toMatchObject({
      'live-total-accepted': '3',
      'live-total-denied': '1',
      // Over the 2 s between the two scrapes.
      'live-rate-accepted': '1.5',
      'live-rate-denied': '0.5',
      'live-rate-rejected': '0.0',
      'live-queue-depth': '3',
      'live-dead-letters': '0',
      'live-updated': new Date((NOW + 2) * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z'),
    })
    expect(after.fields['live-ack-p50']).toMatch(/^[0-9.]+ ms$/)
    expect(after.fields['live-ack-p99']).toMatch(/^[0-9.]+ ms$/)

    // The console's own requests, these polls among them, are not counted.
    clock = NOW + 4
    const idle = (await page(app, '/admin/live.json', cookie)).json<LiveSnapshot>()
    expect(idle.fields['live-total-accepted']).toBe('3')
    expect(idle.fields['live-rate-accepted']).toBe('0.0')
  })

  it('routes: every route with its match, target and access, and policy explain allowed, denied and refused input', async () => {
    const app = await start()
    const { cookie } = await signIn(app, VIEWER)
    const routes = await page(app, '/admin/routes', cookie)
    expect(routes.body).toContain('<strong>deploy</strong>')
    expect(routes.body).toContain('<strong>status</strong>')
    expect(routes.body).toContain('/deploy')
    expect(routes.body).toContain('<strong>deployers</strong>')
    expect(routes.body).toContain('badge-other">public</span>')
    // A forward URL's query string is not shown.
    expect(routes.body).not.toContain('not-for-the-page')
    expect(routes.body).toContain('action="/admin/routes#explain"')
    expect(routes.body).not.toContain('decision-')

    const allowed = await page(app, '/admin/routes?route=deploy&team=T0001&user=U0001&channel=C0001&scope=chat%3Awrite+commands', cookie)
    expect(allowed.statusCode).toBe(200)
    expectDataPage(allowed)
    expect(allowed.body).toContain('scopes=chat:write,commands')
    expect(allowed.body).toMatch(/<p class="decision decision-allow"><strong>ALLOW<\/strong> by rule <code>deployers<\/code>/)

    const denied = await page(app, '/admin/routes?route=deploy&team=T0001&user=U0666', cookie)
    expect(denied.statusCode).toBe(200)
    expect(denied.body).toMatch(/<p class="decision decision-deny"><strong>DENY<\/strong> \(<code>[a-z_]+<\/code>\) by rule <code>deny<\/code>/)

    const nobody = await page(app, '/admin/routes?route=deploy&user=U0002', cookie)
    expect(nobody.body).toContain('decision-deny')
    // A shared channel, which no rule of deploy allows.
    const shared = await page(app, '/admin/routes?route=deploy&team=T0001&user=U0001&channel=C0001&shared=1', cookie)
    expect(shared.body).toContain('sharedChannel=true')
    expect(shared.body).toContain('decision-deny')

    // The CLI's own checks: a channel name is not an id, a route must exist, a field is given once.
    for (const query of ['route=deploy&channel=%23general', 'route=nope&user=U0001', 'route=deploy&user=U0001&user=U0002', 'user=U0001']) {
      const bad = await page(app, `/admin/routes?${query}`, cookie)
      expect(bad.statusCode, query).toBe(400)
      expectDataPage(bad)
      expect(bad.body, query).toContain('class="notice error" role="alert"')
      expect(bad.body, query).not.toContain('decision-')
    }
    const badChannel = await page(app, '/admin/routes?route=deploy&channel=%23general', cookie)
    expect(badChannel.body).toContain('--channel')
    const badRoute = await page(app, '/admin/routes?route=nope', cookie)
    expect(badRoute.body).toContain('no route named nope')
  })

  it('installations: listed without a token; an operator revokes one (audited), a viewer is refused', async () => {
    const app = await start()
    await app.gateway.vault.save(installation('T0101'))
    const viewer = await signIn(app, VIEWER)
    const operator = await signIn(app, OPERATOR)

    const list = await page(app, '/admin/installations', viewer.cookie)
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain('Acme (T0101)')
    expect(list.body).toContain('U0INSTALLER')
    expect(list.body).toContain('chat:write, commands, user:search:read')
    expect(list.body).toContain(new Date((NOW + 43_200) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' '))
    for (const secret of [BOT_TOKEN, USER_TOKEN, 'xoxe-1-refresh', 'xox']) expect(list.body).not.toContain(secret)

    expectRefused(await post(app, '/admin/installations/revoke', viewer.cookie, { _csrf: viewer.csrf, key: 'team:T0101' }), 'admin_forbidden')
    expectRefused(await post(app, '/admin/installations/revoke', operator.cookie, { key: 'team:T0101' }), 'csrf_token_invalid')
    expect(await app.gateway.vault.get('team:T0101')).toBeDefined()

    const operatorList = await page(app, '/admin/installations', operator.cookie)
    expect(operatorList.body).toContain('action="/admin/installations/revoke"')
    expect(operatorList.body).toContain('value="team:T0101"')

    const bad = await post(app, '/admin/installations/revoke', operator.cookie, { _csrf: operator.csrf, key: 'config' })
    expect(bad.statusCode).toBe(400)

    const revoked = await post(app, '/admin/installations/revoke', operator.cookie, { _csrf: operator.csrf, key: 'team:T0101' })
    expect(revoked.statusCode).toBe(303)
    expect(revoked.headers.location).toBe('/admin/installations')
    expect(await app.gateway.vault.get('team:T0101')).toBeUndefined()
    expect((await page(app, '/admin/installations', operator.cookie)).body).not.toContain('T0101')

    const again = await post(app, '/admin/installations/revoke', operator.cookie, { _csrf: operator.csrf, key: 'team:T0101' })
    expect(again.statusCode).toBe(303)

    const recorded = await adminRecords(app)
    expect(recorded.filter((r) => r.type === 'installation_revoke').map((r) => [r.verdict, r.subject, r.target])).toEqual([
      ['revoked', OPERATOR.name, 'team:T0101'],
      ['not_found', OPERATOR.name, 'team:T0101'],
    ])
    expect(recorded.filter((r) => r.verdict === 'refused').map((r) => [r.reason, r.subject])).toEqual([
      ['admin_forbidden', VIEWER.name],
      ['csrf_token_invalid', OPERATOR.name],
    ])
    for (const r of recorded) expect(JSON.stringify(r)).not.toContain('xox')
  })

  it('keys: an operator rotates (a new key signs at once, the old one is published, audited); a viewer and a POST without _csrf are refused', async () => {
    const app = await start()
    const viewer = await signIn(app, VIEWER)
    const operator = await signIn(app, OPERATOR)
    const first = app.gateway.signingKeys.signer().kid

    const keys = await page(app, '/admin/keys', viewer.cookie)
    expect(keys.body).toContain(`<code>${first}</code>`)
    expect(keys.body).toContain('badge-signing')
    expect(keys.body).not.toMatch(/"d":|PRIVATE/)

    expectRefused(await post(app, '/admin/keys/rotate', viewer.cookie, { _csrf: viewer.csrf }), 'admin_forbidden')
    expectRefused(await post(app, '/admin/keys/rotate', operator.cookie, {}), 'csrf_token_invalid')
    expect(app.gateway.signingKeys.signer().kid).toBe(first)

    const rotated = await post(app, '/admin/keys/rotate', operator.cookie, { _csrf: operator.csrf })
    expect(rotated.statusCode).toBe(303)
    expect(rotated.headers.location).toBe('/admin/keys')
    const second = app.gateway.signingKeys.signer().kid
    expect(second).not.toBe(first)

    const after = await page(app, '/admin/keys', operator.cookie)
    expect(after.body).toContain(`<code>${second}</code>`)
    expect(after.body).toContain(`<code>${first}</code>`)
    expect(after.body).toContain('badge-published')
    expect(after.body).toContain('action="/admin/keys/rotate"')
    expect(app.gateway.signingKeys.jwks().keys.map((k) => k.kid).sort()).toEqual([first, second].sort())

    const recorded = (await adminRecords(app)).filter((r) => r.type === 'key_rotate')
    expect(recorded.map((r) => [r.verdict, r.subject, r.target])).toEqual([['rotated', OPERATOR.name, second]])
  })
})

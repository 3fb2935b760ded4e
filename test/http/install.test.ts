import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { AUTHORIZE_URL, COOKIE, installApp, pageReason, REDIRECT_URL, type InstallApp } from '../helpers/install-app.js'
import { NOW } from '../helpers/signing.js'
import { createMemoryVault } from '../helpers/memory-vault.js'
import { deriveStateKey, issueState } from '../../src/install/install-state.js'

let slack: FakeSlackApi
let t: InstallApp
/** The same gateway, with `allowInstallWithoutState: true`. */
let open: InstallApp
/** The same gateway, with a vault that can be made to fail. */
let failing: InstallApp
const memoryVault = createMemoryVault()

const WORKSPACE = { teamId: 'T0ACME', teamName: 'Acme', botScopes: ['commands', 'chat:write'], userScopes: ['search:read'], userId: 'U0ALICE', redirectUri: REDIRECT_URL }
const ORG = { enterpriseId: 'E0GRID', enterpriseName: 'Grid Corp', isEnterpriseInstall: true, botScopes: ['commands'], userId: 'U0ADMIN', redirectUri: REDIRECT_URL }

beforeAll(async () => {
  slack = await startFakeSlackApi()
  t = await installApp(slack)
  open = await installApp(slack, '  allowInstallWithoutState: true\n')
  failing = await installApp(slack, '', memoryVault)
})

afterAll(async () => {
  await t.close()
  await open.close()
  await failing.close()
  await slack.close()
})

beforeEach(async () => {
  t.now = NOW
  await t.uninstallAll()
  await open.uninstallAll()
  slack.setDown(false)
})

function expectPageHeaders(headers: Record<string, unknown>) {
  expect(headers['content-type']).toBe('text/html; charset=utf-8')
  expect(headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
  expect(headers['cache-control']).toBe('no-store')
  expect(headers['referrer-policy']).toBe('no-referrer')
  expect(headers['x-frame-options']).toBe('DENY')
}

/** Asserts the callback was refused with `code`, stored nothing and cleared the cookie. */
async function expectRefused(res: Awaited<ReturnType<InstallApp['callback']>>, status: number, code: string, app = t) {
  expect(pageReason(res)).toBe(code)
  expect(res.statusCode).toBe(status)
  expectPageHeaders(res.headers)
  expect(res.headers['set-cookie']).toBe(`${COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`)
  expect(await app.installed()).toEqual([])
}

const exchangesOf = (code: string) => slack.codeExchanges().filter((e) => e.code === code)

/** Whether Slack (the fake) still takes `token`: a refused install's tokens are revoked. */
async function tokenWorks(token: string | undefined): Promise<boolean> {
  const res = await fetch(`${slack.url}/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token ?? ''}` } })
  return ((await res.json()) as { ok: boolean }).ok
}

describe('GET /slack/install', () => {
  it('serves a plain page whose "Add to Slack" link asks for exactly the declared scopes, and sets the __Host- cookie', async () => {
    const res = await t.gateway.app.inject({ method: 'GET', url: '/slack/install' })
    expect(res.statusCode).toBe(200)
    expectPageHeaders(res.headers)
    const href = /<a class="add" href="([^"]+)">Add to Slack<\/a>/.exec(res.body)?.[1]?.replaceAll('&#38;', '&')
    const url = new URL(href ?? '')
    expect(`${url.origin}${url.pathname}`).toBe(AUTHORIZE_URL)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: FAKE_CLIENT_ID,
      scope: 'commands,chat:write',
      user_scope: 'search:read',
      redirect_uri: REDIRECT_URL,
      state: expect.stringMatching(/^v1\.1800000000\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/),
    })
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{43}; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax$`))
    expect(res.body).not.toMatch(/<script|<img|<link|src=/)
  })

  it('redirects straight to Slack with ?direct=1, each time with a fresh state', async () => {
    const res = await t.gateway.app.inject({ method: 'GET', url: '/slack/install?direct=1' })
    expect(res.statusCode).toBe(302)
    expect(String(res.headers.location)).toMatch(new RegExp(`^${AUTHORIZE_URL}\\?client_id=`))
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    const a = await t.begin()
    const b = await t.begin()
    expect(a.state).not.toBe(b.state)
    expect(a.cookie).not.toBe(b.cookie)
  })
})

describe('GET /slack/oauth_redirect', () => {
  it('installs: exchanges the code (Basic auth, the redirect URI), stores the tokens, records app_installed, names the workspace', async () => {
    const browser = await t.begin()
    const granted = slack.grantCode({ ...WORKSPACE, rotating: true })
    const res = await t.callback({ code: granted.code, state: browser.state }, browser.cookie)
    expect(res.statusCode).toBe(200)
    expect([await tokenWorks(granted.botToken), await tokenWorks(granted.userToken)]).toEqual([true, true])
    expectPageHeaders(res.headers)
    expect(res.body).toContain('The app is installed in the workspace <strong>Acme</strong> (<code>T0ACME</code>)')
    expect(res.headers['set-cookie']).toBe(`${COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`)

    const exchange = slack.calls().filter((c) => c.method === 'oauth.v2.access').at(-1)
    expect(exchange?.authorization).toBe(`Basic ${Buffer.from(`${FAKE_CLIENT_ID}:${FAKE_CLIENT_SECRET}`).toString('base64')}`)
    expect(exchange?.params).toEqual({ code: granted.code, redirect_uri: REDIRECT_URL })

    expect(await t.installation('team:T0ACME')).toEqual({
      key: 'team:T0ACME',
      appId: 'A0FAKEAPP',
      teamId: 'T0ACME',
      teamName: 'Acme',
      isEnterpriseInstall: false,
      botUserId: 'U0FAKEBOT',
      installerUserId: 'U0ALICE',
      installedAt: NOW,
      origin: 'oauth',
      bot: { token: granted.botToken, scopes: ['commands', 'chat:write'], refreshToken: granted.botRefreshToken, expiresAt: NOW + 43_200 },
      user: { token: granted.userToken, scopes: ['search:read'], refreshToken: granted.userRefreshToken, expiresAt: NOW + 43_200 },
    })
    const records = await readAll(t.gateway.stores.audit)
    expect(records.at(-1)).toMatchObject({
      kind: 'lifecycle',
      type: 'app_installed',
      source: 'oauth',
      verdict: 'installed',
      teamId: 'T0ACME',
      userId: 'U0ALICE',
      target: 'team:T0ACME',
      outcome: 'bot=commands,chat:write user=search:read',
    })
  })

  it('missing cookie: cookie_missing, and Slack is never asked', async () => {
    const browser = await t.begin()
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: granted.code, state: browser.state }), 400, 'cookie_missing')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('wrong cookie: state_mismatch', async () => {
    const browser = await t.begin()
    const granted = slack.grantCode(WORKSPACE)
    const tampered = browser.cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`)
    await expectRefused(await t.callback({ code: granted.code, state: browser.state }, tampered), 400, 'state_mismatch')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('a callback from another browser (state from browser A, cookie of browser B): state_mismatch', async () => {
    const a = await t.begin()
    const b = await t.begin()
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: granted.code, state: a.state }, b.cookie), 400, 'state_mismatch')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('a cookie planted beside ours (two of the name): state_mismatch', async () => {
    const browser = await t.begin()
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: granted.code, state: browser.state }, `${browser.cookie}; ${browser.cookie}`), 400, 'state_mismatch')
  })

  it('reused state: state_reused, even with a fresh code', async () => {
    const browser = await t.begin()
    const first = await t.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)
    expect(first.statusCode).toBe(200)
    await t.uninstallAll()
    const again = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: again.code, state: browser.state }, browser.cookie), 400, 'state_reused')
    expect(exchangesOf(again.code)).toEqual([])
  })

  it('a state is single use across instances: claimed in the shared nonce store', async () => {
    // `open` is another gateway with its own nonce store: the claim is what makes it single use,
    // so a gateway sharing the store (the same SQLite file or Redis) would refuse it.
    const browser = await t.begin()
    expect((await t.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)).statusCode).toBe(200)
    await t.uninstallAll()
    const hash = browser.cookie.split('=')[1] as string
    expect(await t.gateway.stores.nonces.claim(`install-state:${hash}`, 60)).toBe('duplicate')
  })

  it('expired state (older than stateTtlSeconds): state_expired', async () => {
    const browser = await t.begin()
    t.now = NOW + 601
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: granted.code, state: browser.state }, browser.cookie), 400, 'state_expired')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('a state 600 s old is still taken', async () => {
    const browser = await t.begin()
    t.now = NOW + 600
    expect((await t.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)).statusCode).toBe(200)
  })

  it.each([
    ['signed with another key', () => issueState(deriveStateKey('not-the-client-secret'), NOW)],
    ['its issue time changed', () => {
      const real = issueState(deriveStateKey(FAKE_CLIENT_SECRET), NOW - 3600)
      const forged = real.state.replace(`.${NOW - 3600}.`, `.${NOW}.`)
      return { state: forged, cookieValue: real.cookieValue }
    }],
    ['not a state at all', () => ({ state: 'abc', cookieValue: 'abc' })],
  ])('forged state (%s): state_invalid', async (_name, forge) => {
    const forged = forge()
    const { createHash } = await import('node:crypto')
    const cookie = `${COOKIE}=${createHash('sha256').update(forged.state).digest('base64url')}`
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await t.callback({ code: granted.code, state: forged.state }, cookie), 400, 'state_invalid')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('missing state: state_missing', async () => {
    const browser = await t.begin()
    await expectRefused(await t.callback({ code: slack.grantCode(WORKSPACE).code }, browser.cookie), 400, 'state_missing')
  })

  it('no code: code_missing, and the state is not spent', async () => {
    const browser = await t.begin()
    await expectRefused(await t.callback({ state: browser.state }, browser.cookie), 400, 'code_missing')
    expect((await t.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)).statusCode).toBe(200)
  })

  it('the installer cancelled (error=access_denied): access_denied, nothing exchanged', async () => {
    const browser = await t.begin()
    const before = slack.codeExchanges().length
    await expectRefused(await t.callback({ error: 'access_denied', state: browser.state }, browser.cookie), 403, 'access_denied')
    expect(slack.codeExchanges().length).toBe(before)
  })

  it('more scopes granted than declared: scopes_exceeded, nothing stored, the excess named, the tokens revoked', async () => {
    const browser = await t.begin()
    const granted = slack.grantCode({ ...WORKSPACE, botScopes: ['commands', 'chat:write', 'channels:history'] })
    const res = await t.callback({ code: granted.code, state: browser.state }, browser.cookie)
    await expectRefused(res, 403, 'scopes_exceeded')
    expect(res.body).toContain('<code>channels:history</code>')
    expect([await tokenWorks(granted.botToken), await tokenWorks(granted.userToken)]).toEqual([false, false])
    const records = await readAll(t.gateway.stores.audit)
    expect(records.at(-1)).toMatchObject({ kind: 'request', source: 'install', verdict: 'rejected', reason: 'scopes_exceeded', teamId: 'T0ACME', userId: 'U0ALICE', target: 'team:T0ACME' })
  })

  it('more user scopes granted than declared: scopes_exceeded', async () => {
    const browser = await t.begin()
    const res = await t.callback({ code: slack.grantCode({ ...WORKSPACE, userScopes: ['search:read', 'chat:write'] }).code, state: browser.state }, browser.cookie)
    await expectRefused(res, 403, 'scopes_exceeded')
  })

  it('fewer scopes than declared are fine (least privilege)', async () => {
    const browser = await t.begin()
    const res = await t.callback({ code: slack.grantCode({ ...WORKSPACE, botScopes: ['commands'], userScopes: [] }).code, state: browser.state }, browser.cookie)
    expect(res.statusCode).toBe(200)
    expect((await t.installation('team:T0ACME'))?.user).toBeUndefined()
  })

  it('oauth.v2.access refuses the code: oauth_failed with Slack\'s error', async () => {
    const browser = await t.begin()
    const res = await t.callback({ code: 'never-issued', state: browser.state }, browser.cookie)
    await expectRefused(res, 502, 'oauth_failed')
    expect(res.body).toContain('Detail: <code>invalid_code</code>')
  })

  it('oauth.v2.access fails (500): oauth_failed', async () => {
    const browser = await t.begin()
    slack.setDown('500')
    const res = await t.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)
    slack.setDown(false)
    await expectRefused(res, 502, 'oauth_failed')
    expect(res.body).toContain('Detail: <code>http_status</code>')
  })

  it('the vault is down: 503 install_unavailable, nothing stored', async () => {
    const browser = await failing.begin()
    memoryVault.setDown(true)
    const res = await failing.callback({ code: slack.grantCode(WORKSPACE).code, state: browser.state }, browser.cookie)
    memoryVault.setDown(false)
    await expectRefused(res, 503, 'install_unavailable', failing)
    expect(failing.requestLog().at(-1)).toMatchObject({ status: 503, reason: 'install_unavailable', detail: 'vault_unavailable' })
    expect(slack.calls().filter((c) => c.method === 'auth.revoke').length).toBeGreaterThan(0)
  })

  it('the nonce store is down: 503 install_unavailable, Slack never asked', async () => {
    const browser = await failing.begin()
    const granted = slack.grantCode(WORKSPACE)
    const nonces = failing.gateway.stores.nonces
    const claim = nonces.claim.bind(nonces)
    nonces.claim = () => Promise.reject(new Error('replay store down'))
    const res = await failing.callback({ code: granted.code, state: browser.state }, browser.cookie).finally(() => (nonces.claim = claim))
    await expectRefused(res, 503, 'install_unavailable', failing)
    expect(failing.requestLog().at(-1)).toMatchObject({ status: 503, reason: 'install_unavailable', detail: 'replay_store_unavailable' })
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('escapes what Slack says about the workspace', async () => {
    const browser = await t.begin()
    const res = await t.callback({ code: slack.grantCode({ ...WORKSPACE, teamName: '<script>alert("x")</script>' }).code, state: browser.state }, browser.cookie)
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toContain('<script>')
    expect(res.body).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;')
  })
})

describe('org-wide (Enterprise Grid) installs', () => {
  it('with state: stored under the enterprise, the page names the organisation', async () => {
    const browser = await t.begin()
    const res = await t.callback({ code: slack.grantCode(ORG).code, state: browser.state }, browser.cookie)
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('the organisation <strong>Grid Corp</strong> (<code>E0GRID</code>)')
    expect(await t.installation('enterprise:E0GRID')).toMatchObject({ enterpriseId: 'E0GRID', enterpriseName: 'Grid Corp', isEnterpriseInstall: true, origin: 'oauth' })
    expect((await t.installation('enterprise:E0GRID'))?.teamId).toBeUndefined()
    // A request from any workspace of the organisation finds it.
    expect((await t.gateway.vault.find({ enterpriseId: 'E0GRID', teamId: 'T0ANY' }))?.key).toBe('enterprise:E0GRID')
  })

  it('without state, refused unless allowInstallWithoutState: state_missing, Slack never asked', async () => {
    const granted = slack.grantCode(ORG)
    await expectRefused(await t.callback({ code: granted.code }), 400, 'state_missing')
    expect(exchangesOf(granted.code)).toEqual([])
  })

  it('without state and allowInstallWithoutState: installed, audited as oauth_without_state', async () => {
    const res = await open.callback({ code: slack.grantCode(ORG).code })
    expect(res.statusCode).toBe(200)
    expect((await open.installation('enterprise:E0GRID'))?.origin).toBe('oauth_without_state')
    const records = await readAll(open.gateway.stores.audit)
    expect(records.at(-1)).toMatchObject({ kind: 'lifecycle', type: 'app_installed', source: 'oauth_without_state', enterpriseId: 'E0GRID', target: 'enterprise:E0GRID' })
  })

  it('without state and allowInstallWithoutState, a workspace install is still refused: state_missing, its tokens revoked', async () => {
    const granted = slack.grantCode(WORKSPACE)
    await expectRefused(await open.callback({ code: granted.code }), 400, 'state_missing', open)
    expect(await tokenWorks(granted.botToken)).toBe(false)
  })

  it('allowInstallWithoutState does not loosen a callback that has a state', async () => {
    const a = await open.begin()
    const b = await open.begin()
    await expectRefused(await open.callback({ code: slack.grantCode(ORG).code, state: a.state }, b.cookie), 400, 'state_mismatch', open)
  })
})

describe('metrics', () => {
  it('count install answers by reason, and never take a browser request for a Slack timestamp', async () => {
    // `failing` has seen no Slack request: its clock skew is unknown, and must stay so.
    const headers = { 'x-slack-request-timestamp': String(NOW - 5000) }
    expect((await failing.gateway.app.inject({ method: 'GET', url: '/slack/install', headers })).statusCode).toBe(200)
    const browser = await failing.begin()
    const res = await failing.gateway.app.inject({
      method: 'GET',
      url: `/slack/oauth_redirect?${new URLSearchParams({ code: slack.grantCode({ ...WORKSPACE, botScopes: ['admin'] }).code, state: browser.state }).toString()}`,
      headers: { ...headers, cookie: browser.cookie },
    })
    expect(pageReason(res)).toBe('scopes_exceeded')
    const text = await failing.gateway.metrics.render()
    expect(text).toMatch(/^slackgate_clock_skew_seconds Nan$/m)
    expect(text).toMatch(/^slackgate_requests_total\{endpoint="\/slack\/oauth_redirect",route="",verdict="rejected",reason="scopes_exceeded"\} 1$/m)
  })
})

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js'
import { createLogger } from '../../src/http/logger.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { SECRET } from '../helpers/signing.js'
import { createTestPki } from '../helpers/tls-certificates.js'

// The install flow driven by a real browser (headless Chromium, each browser a profile of
// its own): that the __Host- cookie is kept over https and comes back on Slack's cross-site
// redirect (SameSite=Lax), and that another browser's cookie jar does not complete it. Runs
// where Chromium is installed (`apt-get install -y chromium`); the same checks run through
// Fastify's inject in install.test.ts everywhere.
const CHROMIUM = '/usr/bin/chromium'
const SLACK_HOST = 'slack.test'

/** What Slack's authorize page does: approve at once, cancel, or hold (show the callback URL instead of going there). */
let authorizeMode: 'approve' | 'cancel' | 'hold' = 'approve'
let held: string | undefined
let slack: FakeSlackApi
let authorize: Server
let gateway: Gateway
let base: string
const lines: string[] = []

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Opens `url` in a browser with this profile directory (its cookie jar), and returns the page as the browser rendered it. */
async function browse(profile: string, url: string): Promise<string> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--no-proxy-server']
  // Slack's authorize page is another site, as slack.com is; the test PKI's certificate is
  // trusted here only. The virtual time budget lets the page's own navigation finish.
  const site = `--host-resolver-rules=MAP ${SLACK_HOST} 127.0.0.1`
  const { stdout } = await promisify(execFile)(CHROMIUM, [...args, site, '--ignore-certificate-errors', '--virtual-time-budget=10000', `--user-data-dir=${profile}`, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 })
  return stdout
}

const newBrowser = () => mkdtempSync(join(tmpdir(), 'slackgate-chromium-'))

// CI installs Chromium and lists it in SLACKGATE_REQUIRE_SERVICES: there a missing browser
// fails the run instead of skipping these checks.
const chromiumRequired = (process.env.SLACKGATE_REQUIRE_SERVICES ?? '').split(',').map((s) => s.trim()).includes('chromium')
if (chromiumRequired && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing, and SLACKGATE_REQUIRE_SERVICES requires Chromium`)

describe.skipIf(!existsSync(CHROMIUM))('the install flow in a real browser', () => {
  beforeAll(async () => {
    slack = await startFakeSlackApi()
    const port = await freePort()
    base = `https://127.0.0.1:${port}`
    const pki = createTestPki()
    authorize = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://authorize.invalid')
      // Only the authorize page itself (the browser asks for a favicon too).
      if (url.pathname !== '/oauth/v2/authorize') return void res.writeHead(404).end()
      const back = new URL(url.searchParams.get('redirect_uri') ?? '')
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      if (authorizeMode === 'cancel') back.searchParams.set('error', 'access_denied')
      else back.searchParams.set('code', slack.grantCode({ teamId: 'T0CHROME', teamName: 'Chromium Co', botScopes: (url.searchParams.get('scope') ?? '').split(','), redirectUri: `${base}/slack/oauth_redirect` }).code)
      if (authorizeMode === 'hold') {
        held = back.toString()
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>held</p>')
      }
      // The installer clicks "Allow" on Slack's page: a navigation that Slack's site begins, so
      // the cookie comes back cross-site (a SameSite=Strict one would not).
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>location.replace(${JSON.stringify(back.toString())})</script>`)
    })
    await new Promise<void>((resolve) => authorize.listen(0, '127.0.0.1', resolve))
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-browser-'))
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      `server:
  tls: { cert: { ref: "file:${pki.server.certPath}" }, key: { ref: "file:${pki.server.keyPath}" } }
slack:
  apiUrl: "${slack.url}"
  clientId: "${FAKE_CLIENT_ID}"
  clientSecret: { ref: env:CLIENT_SECRET }
install:
  redirectUrl: ${base}/slack/oauth_redirect
  authorizeUrl: https://${SLACK_HOST}:${(authorize.address() as AddressInfo).port}/oauth/v2/authorize
  scopes: { bot: [commands] }
vault:
  masterKey: { ref: env:MASTER_KEY }
`,
    )
    const env = { SLACK_SIGNING_SECRET: SECRET, CLIENT_SECRET: FAKE_CLIENT_SECRET, MASTER_KEY: randomBytes(32).toString('base64'), SLACKGATE_DATA_DIR: join(dir, 'data') }
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
    gateway = await createGateway({ config: loadConfig({ file: join(dir, 'slackgate.yaml'), env }), logger })
    await gateway.app.listen({ port, host: '127.0.0.1' })
  }, 60_000)

  afterAll(async () => {
    await gateway?.close()
    authorize?.close()
    await slack?.close()
  })

  const lastCallback = () =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request' && l.route === '/slack/oauth_redirect')
      .at(-1)

  it('installs: the cookie set over https comes back on the redirect from Slack', async () => {
    authorizeMode = 'approve'
    const page = await browse(newBrowser(), `${base}/slack/install?direct=1`)
    expect(page).toContain('The app is installed in the workspace <strong>Chromium Co</strong> (<code>T0CHROME</code>)')
    expect((await gateway.vault.get('team:T0CHROME'))?.bot?.scopes).toEqual(['commands'])
  }, 90_000)

  it('the installer cancels: access_denied', async () => {
    authorizeMode = 'cancel'
    const page = await browse(newBrowser(), `${base}/slack/install?direct=1`)
    expect(page).toContain('Reason: <code>access_denied</code>')
    expect(lastCallback()).toMatchObject({ status: 403, reason: 'access_denied' })
  }, 90_000)

  it('another browser cannot complete it: state_mismatch, or cookie_missing in a browser that never began one', async () => {
    authorizeMode = 'hold'
    const a = newBrowser()
    const b = newBrowser()
    await browse(b, `${base}/slack/install`) // B has an install cookie of its own
    await browse(a, `${base}/slack/install?direct=1`) // A approves; its callback URL is held
    expect(held).toMatch(/^https:\/\/127\.0\.0\.1:[0-9]+\/slack\/oauth_redirect\?state=v1\./)
    expect(await browse(b, held as string)).toContain('Reason: <code>state_mismatch</code>')
    expect(await browse(newBrowser(), held as string)).toContain('Reason: <code>cookie_missing</code>')
    // A itself still can: nothing was claimed by the refusals.
    expect(await browse(a, held as string)).toContain('The app is installed in the workspace')
  }, 120_000)
})

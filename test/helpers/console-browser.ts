import { existsSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core: no browser download. */
export const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

/** The screenshot size the docs use. */
export const VIEWPORT = { width: 1280, height: 800 }

/**
 * Whether the browser tests run here. CI installs Chromium and lists it in
 * SLACKGATE_REQUIRE_SERVICES: there a missing browser fails the run instead of skipping.
 */
export function chromiumAvailable(): boolean {
  const required = (process.env.SLACKGATE_REQUIRE_SERVICES ?? '').split(',').map((s) => s.trim()).includes('chromium')
  if (required && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing, and SLACKGATE_REQUIRE_SERVICES requires Chromium`)
  return existsSync(CHROMIUM)
}

/** Headless Chromium; each `newContext()` is a browser profile of its own (its own cookie jar). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 })
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Each request's method, path and body, as received. */
  readonly received: Array<{ method: string; url: string; body: string }>
  close(): Promise<void>
}

/**
 * A local HTTP server that records every request and answers each with `page` (200, HTML).
 * On `port` when given (a forward target that was closed until now), else on a free one.
 */
export async function startLocalServer(options: { port?: number; page?: string } = {}): Promise<LocalServer> {
  const received: LocalServer['received'] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': options.page === undefined ? 'application/json' : 'text/html; charset=utf-8' })
      res.end(options.page ?? '{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A page on another origin that posts a form to `action` as soon as it loads: what a
 * forgery attempt looks like from the victim's browser. Its `_csrf` is a guess.
 */
export function autoSubmitPage(action: string): string {
  return `<!doctype html><title>win a prize</title>
<form id="f" method="post" action="${action}"><input type="hidden" name="_csrf" value="guessed-token"></form>
<script>document.getElementById('f').submit()</script>`
}

const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'docs', 'screenshots')

/**
 * With SCREENSHOTS=1, saves the page as docs/screenshots/admin-<name>.png (1280×800, the
 * visible part only), after `settleMs` (a page that fills itself in, as Live does). The
 * screenshots are committed for the docs; CI does not make them.
 */
export async function screenshot(page: Page, name: string, settleMs = 0): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return
  if (settleMs > 0) await page.waitForTimeout(settleMs)
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `admin-${name}.png`), timeout: 10_000 })
}

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.js'
import { loadHandlers } from '../../../src/dispatch/load-handlers.js'
import { problemsOf } from '../../helpers/config-error.js'
import { NOW, SECRET } from '../../helpers/signing.js'

const SRC = new URL('../../../src/index.js', import.meta.url).pathname

/** Loads `routes` (YAML lines) from a config file beside a handler module holding `setup`. */
function load(routes: string, setup = '') {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-ack-config-'))
  writeFileSync(join(dir, 'handlers.ts'), `import { defineHandlers } from ${JSON.stringify(SRC)}\nexport default defineHandlers((gateway) => {\n${setup}\n})\n`)
  const file = join(dir, 'slackgate.yaml')
  writeFileSync(file, `routes:\n${routes}\n`)
  return () => loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET }, cwd: dir, now: NOW })
}

describe('routes that answer in the ack, and patterns, in the config', () => {
  it('ack: handler is the default settings; an options route answers in the ack without saying so', () => {
    const config = load(`  - { name: t, match: { view: new_ticket }, handler: ./handlers.ts, ack: handler, public: true }
  - { name: o, match: { options: assignee }, handler: ./handlers.ts, public: true }
  - { name: c, match: { command: /ticket }, handler: ./handlers.ts, ack: { deadlineMs: 800, fallbackMessage: Try again }, public: true }`)()
    expect(config.routes.map((r) => r.ack)).toEqual([{ deadlineMs: 2500 }, undefined, { deadlineMs: 800, fallbackMessage: 'Try again' }])
  })

  it.each([
    ['an event route', '{ name: e, match: { event: app_mention }, handler: ./handlers.ts, ack: handler, public: true }', 'routes[0].ack', 'only a command, view or options route answers in the ack'],
    ['a forwarded ack route', '{ name: v, match: { view: x }, forward: { url: "http://127.0.0.1:9/x" }, ack: handler, public: true }', 'routes[0].handler', 'needs a handler module'],
    ['a forwarded options route', '{ name: o, match: { options: x }, forward: { url: "http://127.0.0.1:9/x" }, public: true }', 'routes[0].handler', 'needs a handler module'],
    ['a deadline past Slack’s 3 s', '{ name: v, match: { view: x }, handler: ./handlers.ts, ack: { deadlineMs: 3000 }, public: true }', 'routes[0].ack.deadlineMs', '2900'],
    ['an unsafe pattern', '{ name: m, match: { message: { pattern: "^(a+)+$" } }, handler: ./handlers.ts, public: true }', 'routes[0].match.message.pattern', 'exponential time'],
    ['a pattern that does not compile', '{ name: a, match: { action: { pattern: "(" } }, handler: ./handlers.ts, public: true }', 'routes[0].match.action.pattern', 'not a regular expression'],
    ['an empty message condition', '{ name: m, match: { message: {} }, handler: ./handlers.ts, public: true }', 'routes[0].match.message', 'event: message'],
  ])('%s is refused, naming the key', (_, route, key, message) => {
    const problems = problemsOf(load(`  - ${route}`), 'invalid_config')
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ key, message: expect.stringContaining(message) })]))
  })
})

describe('routes against their handler modules at start', () => {
  const problemsFor = async (routes: string, setup: string) => (await loadHandlers(load(routes, setup)().routes)).problems.map((p) => p.message)

  it('an ack route whose module registers only a handler, and a queued route whose module registers only an ack, are found', async () => {
    expect(await problemsFor('  - { name: t, match: { view: v }, handler: ./handlers.ts, ack: handler, public: true }', "gateway.view('v', async () => {})")).toEqual([
      expect.stringContaining('registers no ack for view v'),
    ])
    expect(await problemsFor('  - { name: t, match: { view: v }, handler: ./handlers.ts, public: true }', "gateway.view('v', { ack: () => ({ response_action: 'clear' }) })")).toEqual([
      expect.stringContaining('registers only an ack'),
    ])
  })

  it('an exact route served by a module pattern, a pattern route and a message route are each satisfied', async () => {
    const routes = `  - { name: a, match: { action: approve_1 }, handler: ./handlers.ts, public: true }
  - { name: b, match: { block: { pattern: "^ticket-" } }, handler: ./handlers.ts, public: true }
  - { name: m, match: { message: deploy }, handler: ./handlers.ts, public: true }
  - { name: o, match: { options: assignee }, handler: ./handlers.ts, public: true }`
    const setup = `gateway.action(/^approve_/, async () => {})
gateway.action({ block_id: /^ticket-/ }, async () => {})
gateway.message(/^deploy/, async () => {})
gateway.options('assignee', () => ({ options: [] }))`
    expect(await problemsFor(routes, setup)).toEqual([])
    expect(await problemsFor('  - { name: m, match: { message: deploy }, handler: ./handlers.ts, public: true }', "gateway.event('app_mention', async () => {})")).toEqual([
      expect.stringContaining('registers no message handler'),
    ])
  })

  it('a module pattern that may take exponential time fails its module at start', async () => {
    expect(await problemsFor('  - { name: a, match: { action: x }, handler: ./handlers.ts, public: true }', 'gateway.action(/^(a+)+$/, async () => {})')).toEqual([
      expect.stringContaining('exponential time'),
    ])
  })
})

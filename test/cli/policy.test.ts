import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, runCli, startGateway } from '../helpers/cli.js'
import { startFakeSlackApi } from '../helpers/fake-slack-api.js'

const EXAMPLE = fileURLToPath(new URL('../../examples/slackgate.yaml', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'slackgate-policy-cli-'))
const stops: Array<() => unknown> = []
afterAll(async () => {
  for (const stop of stops) await stop()
})

function writeConfig(name: string, yaml: string): string {
  const file = join(dir, name)
  writeFileSync(file, yaml)
  return file
}

const explain = (file: string, args: string[]) => runCli(['policy', 'explain', '--config', file, ...args])

describe('slackgate policy explain', () => {
  // Every route in the examples, with a request it allows and one it refuses.
  it.each([
    ['deploy', ['--team', 'T0000000001', '--channel', 'C0000000001', '--user', 'U0000000001'], 0, 'ALLOW by rule deployers-in-deploys'],
    ['deploy', ['--team', 'T0000000001', '--channel', 'D0000000007', '--user', 'U0000000009'], 0, 'ALLOW by rule sre-lead-anywhere'],
    ['deploy', ['--team', 'T0000000001', '--channel', 'C0000000001', '--user', 'U0000000666'], 1, 'DENY (user_denied) by rule deny'],
    ['deploy', ['--team', 'T0000000001', '--channel', 'C0000000002', '--user', 'U0000000001'], 1, 'DENY (channel_not_allowed) by rule deployers-in-deploys'],
    ['mentions', ['--team', 'T0000000001', '--channel', 'C0000000001', '--user', 'U0000000001'], 0, 'ALLOW by rule our-workspace'],
    ['mentions', ['--team', 'T0000000002', '--channel', 'C0000000001'], 1, 'DENY (workspace_not_allowed) by rule our-workspace'],
    // As the live gateway reads an app_mention, which carries only the channel id: a D… id is a
    // DM, and an unlabelled G… id (a group DM, or an old private channel) is presumed one.
    ['mentions', ['--team', 'T0000000001', '--channel', 'D0000000001'], 1, 'DENY (direct_message_not_allowed) by rule our-workspace'],
    ['mentions', ['--team', 'T0000000001', '--channel', 'G0000000001'], 1, 'DENY (direct_message_not_allowed) by rule our-workspace'],
  ])('answers for the example route %s (%j)', (route, args, status, line) => {
    const out = explain(EXAMPLE, ['--route', route, ...args])
    expect(out.stderr).toBe('')
    expect(out.status).toBe(status)
    expect(out.stdout).toContain(`decision: ${line}`)
  })

  it('prints every step: the deny list, then each rule', () => {
    const out = explain(EXAMPLE, ['--route', 'deploy', '--team', 'T0000000001', '--channel', 'C0000000001', '--user', 'U0000000009'])
    expect(out.stdout.split('\n').slice(3)).toEqual(['  deny: no match', '  deployers-in-deploys: user_not_allowed', '  sre-lead-anywhere: allow', ''])
  })

  it('answers as JSON', () => {
    const out = explain(EXAMPLE, ['--route', 'deploy', '--team', 'T0000000001', '--channel', 'C0000000001', '--user', 'U0000000001', '--json'])
    expect(JSON.parse(out.stdout)).toMatchObject({ route: 'deploy', decision: { allow: true, rule: 'deployers-in-deploys' } })
  })

  it.each([
    [['--channel', '#general'], '--channel "#general": must be a Slack channel id (C or G or D…), not a name'],
    [['--channel', 'general'], '--channel "general": must be a Slack channel id'],
    [['--user', '@alice'], '--user "@alice": must be a Slack user id (U or W…), not a name'],
    [['--team', 'acme'], '--team "acme": must be a Slack workspace id (T…), not a name'],
    [['--enterprise', 'T0000000001'], '--enterprise "T0000000001": must be a Slack enterprise id (E…), not a name'],
    [['--user-team', 'u0000000001'], '--user-team "u0000000001": must be a Slack workspace id'],
  ])('refuses an id the config would refuse, with exit 2 and no decision: %j', (args, message) => {
    const out = explain(EXAMPLE, ['--route', 'deploy', '--team', 'T0000000001', ...args])
    expect(out.status).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toContain(`slackgate: ${message}`)
  })

  it('names the routes when the one asked for does not exist', () => {
    const out = explain(EXAMPLE, ['--route', 'nope'])
    expect(out.status).toBe(2)
    expect(out.stderr).toContain('no route named nope; routes: deploy, mentions')
  })

  it('explains a workflow route by subject and scopes', () => {
    const file = writeConfig(
      'wf.yaml',
      `routes:
  - name: payment
    match: { workflow: approve-payment }
    forward: { url: http://svc.internal/pay }
    jwt: { algorithms: [HS256], secret: { ref: env:WF } }
    access:
      rules: [{ name: billing, subjects: [svc-billing], scopes: ["payments:approve"] }]
`,
    )
    expect(explain(file, ['--route', 'payment', '--subject', 'svc-billing', '--scope', 'payments:approve', 'x']).stdout).toContain('ALLOW by rule billing')
    expect(explain(file, ['--route', 'payment', '--subject', 'svc-billing', '--scope', 'payments:read']).stdout).toContain('DENY (scope_not_granted)')
  })

  it('asks a live directory (the local fake Slack API) for group membership', async () => {
    const slack = await startFakeSlackApi()
    stops.push(() => slack.close())
    slack.setGroup('SOPS', ['U0000000001'])
    const file = writeConfig(
      'live.yaml',
      `directory:
  slack: { botToken: { ref: env:BOT }, apiUrl: "${slack.url}" }
routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: http://svc.internal/deploy }
    access:
      rules: [{ name: ops, userGroups: [SOPS] }]
`,
    )
    // Asynchronously: the fake Slack API answers from this process.
    const run = (user: string) =>
      promisify(execFile)(process.execPath, [CLI, 'policy', 'explain', '--config', file, '--route', 'deploy', '--user', user], {
        env: { ...process.env, BOT: slack.token },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      )
    expect(await run('U0000000001')).toEqual({ code: 0, stdout: expect.stringContaining('ALLOW by rule ops') })
    expect(await run('U0000000002')).toEqual({ code: 1, stdout: expect.stringContaining('DENY (user_not_allowed)') })
    slack.setDown('refuse')
    expect(await run('U0000000001')).toEqual({ code: 1, stdout: expect.stringContaining('DENY (directory_unavailable)') })
  })
})

describe('slackgate policy lint', () => {
  const lintable = writeConfig(
    'lint.yaml',
    `directory:
  userGroups: { SEMPTY: [U0000000666], SOPS: [U0000000001] }
routes:
  - name: status
    match: { command: /status }
    forward: { url: http://svc.internal/status }
    public: true
  - name: deploy
    match: { command: /deploy }
    forward: { url: http://svc.internal/deploy }
    access:
      rules:
        - { name: ops, workspaces: [T0000000001], userGroups: [SOPS] }
        - { name: ops-in-deploys, workspaces: [T0000000001], channels: [C0000000001], userGroups: [SOPS] }
        - { name: only-denied, users: [U0000000666] }
        - { name: empty-group, userGroups: [SEMPTY] }
        - { name: dm-by-id, channels: [D0000000001], users: [U0000000001] }
        - { name: partly-denied, users: [U0000000001, U0000000666] }
      deny:
        users: [U0000000666]
`,
  )

  it('reports public routes, rules that can never match, cancelled entries and overlaps; exit 1', () => {
    const out = runCli(['policy', 'lint', '--config', lintable, '--json'])
    expect(out.status).toBe(1)
    const findings = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>)
    const summary = findings.map((f) => `${f.level} ${f.code} ${f.route}/${f.rule ?? ''}`)
    expect(summary).toEqual([
      'warning public_route status/',
      'warning overlap deploy/ops-in-deploys',
      'error never_matches deploy/only-denied',
      'warning dead_entry deploy/only-denied',
      'error never_matches deploy/empty-group',
      'error never_matches deploy/dm-by-id',
      'warning dead_entry deploy/dm-by-id',
      'warning dead_entry deploy/partly-denied',
    ])
    expect(findings.find((f) => f.rule === 'ops-in-deploys')?.message).toContain('overlaps rule ops')
  })

  it('exits 0 on warnings only, unless --strict', () => {
    const file = writeConfig('warn.yaml', 'routes:\n  - { name: status, match: { command: /status }, forward: { url: "http://svc.internal/s" }, public: true }\n')
    const out = runCli(['policy', 'lint', '--config', file])
    expect([out.status, out.stdout.trim()]).toEqual([0, 'warning: [public_route] route status: route status is public: anyone Slack (or its token) vouches for may run it'])
    expect(runCli(['policy', 'lint', '--config', file, '--strict']).status).toBe(1)
    expect(runCli(['policy', 'lint', '--config', EXAMPLE])).toMatchObject({ status: 0, stdout: '3 route(s): no findings\n' })
  })

  it('reports a route its handler module does not serve (error), and a handler no route reaches (warning); event: message serves a message.im route', () => {
    const sdk = new URL('../../dist/dispatch/sdk.js', import.meta.url).href
    writeFileSync(
      join(dir, 'lint-handlers.mjs'),
      `import { defineHandlers } from ${JSON.stringify(sdk)}\nexport default defineHandlers((g) => { g.command('/deploy', () => {}).command('/rollback', () => {}).event('message', () => {}) })\n`,
    )
    const file = writeConfig(
      'handlers.yaml',
      `routes:
  - { name: deploy, match: { command: /deploy }, handler: ./lint-handlers.mjs, public: true }
  - { name: status, match: { command: /status }, handler: ./lint-handlers.mjs, access: { rules: [{ name: us, workspaces: [T0000000001] }] } }
  - { name: gone, match: { command: /gone }, handler: ./no-such-file.mjs, access: { rules: [{ name: us, workspaces: [T0000000001] }] } }
  - { name: dms, match: { event: message.im }, handler: ./lint-handlers.mjs, access: { rules: [{ name: us, workspaces: [T0000000001] }] } }
`,
    )
    const out = runCli(['policy', 'lint', '--config', file])
    expect(out.status).toBe(1)
    expect(out.stdout.trim().split('\n')).toEqual([
      'warning: [public_route] route deploy: route deploy is public: anyone Slack (or its token) vouches for may run it',
      `error: [missing_handler] route status: ${join(dir, 'lint-handlers.mjs')} registers no handler for command /status: add gateway.command("/status", …) to it, or forward the route instead`,
      `error: [missing_handler] route gone: cannot find ${join(dir, 'no-such-file.mjs')} (a handler path is relative to the config file)`,
      `warning: [unrouted_handler] route deploy: ${join(dir, 'lint-handlers.mjs')} registers command /rollback, but no route with this handler matches it: it never runs (add a route, or remove it)`,
    ])
  })

  it('does not warn about public: true on hook routes, where the schema requires it', () => {
    const hooks = fileURLToPath(new URL('../../examples/slackgate-hooks.yaml', import.meta.url))
    expect(runCli(['policy', 'lint', '--config', hooks, '--strict'])).toMatchObject({ status: 0, stdout: '4 route(s): no findings\n' })
  })
})

describe('slackgate start', () => {
  it('warns once for every public route', async () => {
    const file = writeConfig(
      'public.yaml',
      `dataDir: ${join(dir, 'data')}
routes:
  - { name: status, match: { command: /status }, forward: { url: "http://127.0.0.1:9/s" }, public: true }
  - { name: deploy, match: { command: /deploy }, forward: { url: "http://127.0.0.1:9/d" }, access: { rules: [{ name: ops, users: [U0000000001] }] } }
`,
    )
    const gateway = await startGateway('start', { env: { SLACK_SIGNING_SECRET: 'x'.repeat(32), PORT: '0' }, args: ['--config', file] })
    stops.push(() => gateway.stop('SIGKILL'))
    const warnings = () => gateway.output().split('\n').filter((l) => l.includes('public route'))
    for (let i = 0; i < 50 && warnings().length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(warnings()).toHaveLength(1)
    expect(JSON.parse(warnings()[0] as string)).toMatchObject({ level: 40, slackRoute: 'status' })
  })
})

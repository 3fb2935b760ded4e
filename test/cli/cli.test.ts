import { execFileSync } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js'
import { OTHER_SECRET, SECRET } from '../helpers/signing.js'
import { decodeSlackRequest } from '../../src/slack/decode.js'

const vector = (JSON.parse(readFileSync(new URL('../vectors/slack-signature.json', import.meta.url), 'utf8')) as {
  cases: Array<{ signingSecret: string; timestamp: string; body: string; signature: string }>
}).cases[0]!

const running: RunningGateway[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop('SIGKILL')))
})

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'slackgate-cli-'))
}

describe('slackgate sign and verify', () => {
  it('sign --format http | verify --request - round-trips', () => {
    const env = { SLACK_SIGNING_SECRET: SECRET }
    const signed = runCli(['sign', '--command', '/deploy', '--text', 'prod', '--format', 'http'], { env })
    expect(signed.status).toBe(0)
    expect(signed.stdout).toMatch(/^POST \/slack\/commands HTTP\/1\.1\r\n/)
    const verified = runCli(['verify', '--request', '-'], { env, input: signed.stdout })
    expect(verified.status).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, secretIndex: 0 })
  })

  it('verify rejects with the reason and exit 1 when signed with another secret', () => {
    const signed = runCli(['sign', '--event', 'app_mention', '--format', 'http'], { env: { SLACK_SIGNING_SECRET: OTHER_SECRET } })
    const verified = runCli(['verify', '--request', '-'], { env: { SLACK_SIGNING_SECRET: SECRET }, input: signed.stdout })
    expect(verified.status).toBe(1)
    expect(JSON.parse(verified.stdout)).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it('verify checks the documented vector with the clock pinned, and calls it stale without', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'body'), vector.body)
    const args = ['verify', '--body', join(dir, 'body'), '--timestamp', vector.timestamp, '--signature', vector.signature, '--secret', 'env:VECTOR_SECRET']
    const env = { VECTOR_SECRET: vector.signingSecret }
    const pinned = runCli([...args, '--now', vector.timestamp], { env })
    expect(pinned.status).toBe(0)
    expect(JSON.parse(pinned.stdout)).toEqual({ ok: true, secretIndex: 0, timestamp: Number(vector.timestamp) })
    const real = runCli(args, { env })
    expect(real.status).toBe(1)
    expect(JSON.parse(real.stdout)).toEqual({ ok: false, reason: 'stale_timestamp' })
  })

  it('verify tries every --secret, as the gateway does during rotation', () => {
    const signed = runCli(['sign', '--interaction', 'block_actions', '--format', 'http'], { env: { SLACK_SIGNING_SECRET: OTHER_SECRET } })
    const verified = runCli(['verify', '--request', '-', '--secret', 'env:NEW', 'env:OLD'], { env: { NEW: SECRET, OLD: OTHER_SECRET }, input: signed.stdout })
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, secretIndex: 1 })
  })

  it('sign --format json and --timestamp', () => {
    const out = runCli(['sign', '--url-verification', '--format', 'json', '--timestamp', '1700000000', '--url', 'https://gw.example'], {
      env: { SLACK_SIGNING_SECRET: SECRET },
    })
    const req = JSON.parse(out.stdout) as { url: string; headers: Record<string, string>; body: string }
    expect(req.url).toBe('https://gw.example/slack/events')
    expect(req.headers['X-Slack-Request-Timestamp']).toBe('1700000000')
    expect(JSON.parse(req.body)).toMatchObject({ type: 'url_verification' })
  })

  it('sign --body signs a file as is', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'event.json'), '{"type":"event_callback"}')
    const out = runCli(['sign', '--body', join(dir, 'event.json'), '--format', 'http'], { env: { SLACK_SIGNING_SECRET: SECRET } })
    expect(out.stdout).toMatch(/^POST \/slack\/events /)
    expect(out.stdout.endsWith('\r\n\r\n{"type":"event_callback"}')).toBe(true)
  })

  it("sign --function builds a custom step's function_executed event, with its inputs and a made-up token, that the gateway decodes", () => {
    const out = runCli(['sign', '--function', 'approve_expense', '--inputs', '{"amount": 42, "requester": "U0000000002"}', '--format', 'json'], { env: { SLACK_SIGNING_SECRET: SECRET } })
    expect(out.status).toBe(0)
    const req = JSON.parse(out.stdout) as { url: string; body: string }
    expect(req.url).toBe('http://127.0.0.1:3000/slack/events')
    const decoded = decodeSlackRequest('events', Buffer.from(req.body))
    expect(decoded).toMatchObject({ ok: true, request: { kind: 'function_executed', callbackId: 'approve_expense', inputs: { amount: 42, requester: 'U0000000002' } } })
    expect(decoded.ok && decoded.stepToken).toMatch(/^xwfp-sample-[0-9a-f]{24}$/)
  })

  it.each([
    [['sign', '--function', 'Approve Expense'], /--function is a custom step's callback_id/],
    [['sign', '--function', 'approve', '--inputs', '[1]'], /--inputs must be a JSON object/],
    [['sign', '--command', '/a', '--inputs', '{}'], /--inputs goes with --function/],
    [['sign', '--command', '/a', '--event', 'x'], /exactly one/],
    [['sign'], /exactly one/],
    [['sign', '--command', 'nope'], /--command/],
    [['sign', '--command', '/a', '--timestamp', '1.5'], /--timestamp/],
    [['sign', '--command', '/a', '--secret', 'env:UNSET_VAR'], /UNSET_VAR is not set/],
    [['verify'], /--request/],
    [['verify', '--request', '/nonexistent'], /ENOENT/],
  ])('usage errors exit 2 with one clear line: %j', (args, message) => {
    const r = runCli(args, { env: { SLACK_SIGNING_SECRET: SECRET }, cwd: tempDir() })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it('sign without any secret says how to get one', () => {
    const r = runCli(['sign', '--command', '/a'], { cwd: tempDir() })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/SLACK_SIGNING_SECRET/)
  })
})

/** Every command path, read from the CLI's own help, so that a new subcommand is covered too. */
function commandPaths(): string[][] {
  const listed = (args: string[]) =>
    [...runCli([...args, '--help']).stdout.split('Commands:')[1]?.matchAll(/^ {2}([a-z][a-z-]*)( \[options\])?( <[a-z]+>)?/gm) ?? []]
      .filter((m) => m[1] !== 'help')
      .map((m) => ({ name: m[1] as string, leaf: m[2] !== undefined || m[3] !== undefined, args: m[3] === undefined ? [] : ['x1'] }))
  return listed([]).flatMap((top) =>
    top.leaf ? [[top.name, ...top.args]] : listed([top.name]).map((sub) => [top.name, sub.name, ...sub.args]),
  )
}

describe('exit codes: usage errors exit 2, for every command', () => {
  const paths = commandPaths()

  it('finds every command', () => {
    expect(paths.map((p) => p.filter((a) => a !== 'x1').join(' '))).toEqual([
      'start', 'dev', 'sign', 'verify', 'jobs list', 'jobs retry', 'jobs drop', 'keys rotate', 'keys list', 'keys vault-init',
      'vault rewrap', 'installations list', 'admin hash-password', 'policy explain', 'policy lint', 'scopes lint', 'manifest', 'audit verify', 'audit tail', 'audit query', 'audit export',
    ])
  })

  const required: Record<string, string[]> = { 'policy explain': ['--route', 'deploy'] }
  it.each(paths.map((p) => [p.join(' '), p] as const))('%s --no-such-option exits 2', (name, path) => {
    const r = runCli([...path, ...(required[name] ?? []), '--no-such-option'], { cwd: tempDir() })
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining("unknown option '--no-such-option'")])
  })

  it.each([
    [['no-such-command'], /unknown command/],
    [['--no-such-option'], /unknown option/],
    [['jobs'], /Usage: slackgate jobs/],
    [['jobs', 'retry'], /missing required argument 'id'/],
    [['jobs', 'drop', 'a', 'b'], /too many arguments/],
    [['policy', 'explain'], /required option '--route <name>' not specified/],
    [['sign', '--command'], /option '--command <name>' argument missing/],
    [['sign', '--format', 'xml', '--command', '/a'], /Allowed choices are curl, http, json/],
    [['audit', 'query', '--kind', 'everything'], /Allowed choices are request, delivery, lifecycle/],
  ])('%j exits 2', (args, message) => {
    const r = runCli(args, { cwd: tempDir() })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it.each([[['--help']], [['--version']], [['policy', 'explain', '--help']], [['help', 'jobs']]])('%j exits 0', (args) => {
    expect(runCli(args).status).toBe(0)
  })
})

describe('slackgate start', () => {
  it('refuses to start without a signing secret', () => {
    const r = runCli(['start'], { cwd: tempDir() })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('slack.signingSecrets')
  })

  it.each(['', '   '])('refuses to start with an empty secret (%j)', (value) => {
    const r = runCli(['start'], { cwd: tempDir(), env: { SLACK_SIGNING_SECRET: value } })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('SLACK_SIGNING_SECRET is empty')
  })

  it('names the port, and how to choose another, when the port is in use', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as AddressInfo).port
    try {
      // The port stays taken while this process is blocked: the kernel holds it.
      const r = runCli(['start'], { cwd: tempDir(), env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1', PORT: String(port) } })
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`slackgate: port ${port} on 127.0.0.1 is in use by another process: stop it, or choose another port with the PORT environment variable or server.port in the config file`)
    } finally {
      holder.close()
    }
  })

  it('names the offending key of a bad config file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'c.yaml'), 'server:\n  bodyLimitBytes: lots\n')
    const r = runCli(['start', '--config', join(dir, 'c.yaml')], { cwd: dir, env: { SLACK_SIGNING_SECRET: SECRET } })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('server.bodyLimitBytes')
  })

  it('serves with only SLACK_SIGNING_SECRET set, accepts a signed request, rejects a forged one, and stops on SIGTERM', async () => {
    const gw = await startGateway('start', { cwd: tempDir(), env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1' } })
    running.push(gw)
    const req = JSON.parse(runCli(['sign', '--command', '/deploy', '--format', 'json', '--url', gw.url], { env: { SLACK_SIGNING_SECRET: SECRET } }).stdout)
    const ok = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body })
    expect(ok.status).toBe(200)
    const forged = await fetch(req.url, { method: 'POST', headers: req.headers, body: `${req.body}x` })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toEqual({ error: 'signature_mismatch' })
    expect(await gw.stop('SIGTERM')).toBe(0)
    expect(gw.output()).not.toContain(SECRET)
  })

  it('without routes, warns at start (log and stderr) and in /readyz: every request would be dropped as unrouted', async () => {
    const gw = await startGateway('start', { cwd: tempDir(), env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1' } })
    running.push(gw)
    const logged = gw.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string })
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^no routes: every request is acknowledged and dropped as unrouted/) }))
    // stderr is its own pipe: the banner may arrive after the log line that said "listening".
    await waitFor(() => gw.output().includes('slackgate: WARNING: no routes'))
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, warnings: [expect.stringMatching(/^no routes: /)] })
  })

  it('with a route, says nothing of the kind', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'c.yaml'), 'routes:\n  - { name: status, match: { command: /status }, forward: { url: "http://127.0.0.1:9/s" }, access: { rules: [{ name: us, workspaces: [T0000000001] }] } }\n')
    const gw = await startGateway('start', { cwd: dir, args: ['--config', join(dir, 'c.yaml')], env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1' } })
    running.push(gw)
    expect(gw.output()).not.toContain('no routes')
    expect(await (await fetch(`${gw.url}/readyz`)).json()).not.toHaveProperty('warnings')
  })
})

describe('slackgate start: handler modules are checked at start, not at the first request', () => {
  const sdk = new URL('../../dist/dispatch/sdk.js', import.meta.url).href
  const configWith = (dir: string, handler: string) => {
    writeFileSync(
      join(dir, 'handlers.mjs'),
      `import { defineHandlers } from ${JSON.stringify(sdk)}\nexport default defineHandlers((g) => { g.command('/other', () => {}) })\n`,
    )
    const routes = [
      '  - { name: deploy, match: { command: /deploy }, handler: HANDLER, public: true }',
      '  - { name: other, match: { command: /other }, handler: ./handlers.mjs, public: true }',
    ]
    writeFileSync(join(dir, 'c.yaml'), `routes:\n${routes.join('\n').replace('HANDLER', handler)}\n`)
    return join(dir, 'c.yaml')
  }

  it('refuses a route whose module registers nothing for its match, naming the route and the fix', () => {
    const dir = tempDir()
    const r = runCli(['start', '--config', configWith(dir, './handlers.mjs')], { cwd: dir, env: { SLACK_SIGNING_SECRET: SECRET, PORT: '0' } })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(
      `routes[0].handler: route deploy: ${join(dir, 'handlers.mjs')} registers no handler for command /deploy: add gateway.command("/deploy", …) to it`,
    )
  })

  it('refuses a handler file that does not exist, naming the route', () => {
    const dir = tempDir()
    const r = runCli(['start', '--config', configWith(dir, './missing.mjs')], { cwd: dir, env: { SLACK_SIGNING_SECRET: SECRET, PORT: '0' } })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`routes[0].handler: route deploy: cannot find ${join(dir, 'missing.mjs')} (a handler path is relative to the config file)`)
  })
})

describe('slackgate dev (the README quickstart)', () => {
  it('generates a secret into the data directory, and sign | sh gets 200 while a forged curl gets 401', async () => {
    const dir = tempDir()
    const gw = await startGateway('dev', { cwd: dir })
    running.push(gw)
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:/)
    const secretFile = join(dir, 'data', 'dev-signing-secret')
    expect(statSync(secretFile).mode & 0o777).toBe(0o600)

    const curl = runCli(['sign', '--command', '/hello', '--url', gw.url], { cwd: dir })
    expect(curl.status).toBe(0)
    expect(curl.stdout).toMatch(/^curl /)
    const sent = execFileSync('sh', ['-c', curl.stdout], { encoding: 'utf8' })
    expect(sent).toMatch(/^HTTP\/1\.1 200/)

    const forged = execFileSync(
      'sh',
      ['-c', `curl -sS -i -X POST ${gw.url}/slack/commands -H "X-Slack-Request-Timestamp: $(date +%s)" -H "X-Slack-Signature: v0=${'0'.repeat(64)}" -d 'command=/hello'`],
      { encoding: 'utf8' },
    )
    expect(forged).toMatch(/^HTTP\/1\.1 401/)
    expect(forged).toContain('{"error":"signature_mismatch"}')

    // A restart reuses the generated secret rather than replacing it.
    await gw.stop('SIGTERM')
    const before = readFileSync(secretFile, 'utf8')
    const again = await startGateway('dev', { cwd: dir })
    running.push(again)
    expect(readFileSync(secretFile, 'utf8')).toBe(before)
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.js'
import { createSigningSecret } from '../../../src/verify/signing-secret.js'
import { signSlackRequest, verifySlackSignature } from '../../../src/verify/slack-signature.js'
import { NOW, OTHER_SECRET, SECRET } from '../../helpers/signing.js'
import { configErrorOf, problemsOf } from '../../helpers/config-error.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-config-'))
})

function writeConfig(yaml: string): string {
  const file = join(dir, 'slackgate.yaml')
  writeFileSync(file, yaml)
  return file
}

/** Whether the loaded secrets verify a request signed with `value`. */
function verifies(secrets: Parameters<typeof verifySlackSignature>[1]['secrets'], value: string, now = NOW): boolean {
  const body = 'x=1'
  const signature = signSlackRequest(createSigningSecret(value), now, body)
  return verifySlackSignature({ body: Buffer.from(body), timestamp: String(now), signature }, { secrets, now }).ok
}

describe('loadConfig', () => {
  it('serves on defaults with only SLACK_SIGNING_SECRET set', () => {
    const config = loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET }, cwd: dir, now: NOW })
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 3000,
      bodyLimitBytes: 1024 * 1024,
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 512,
    })
    expect(config.dataDir).toBe(join(dir, 'data'))
    expect(config.slack.timestampToleranceSeconds).toBe(300)
    expect(config.slack.signingSecrets).toHaveLength(1)
    expect(verifies(config.slack.signingSecrets, SECRET)).toBe(true)
  })

  it('takes PORT, HOST, SLACKGATE_DATA_DIR and LOG_LEVEL from the environment', () => {
    const config = loadConfig({
      env: { SLACK_SIGNING_SECRET: SECRET, PORT: '8080', HOST: '127.0.0.1', SLACKGATE_DATA_DIR: '/var/lib/sg', LOG_LEVEL: 'warn' },
      cwd: dir,
      now: NOW,
    })
    expect(config.server.port).toBe(8080)
    expect(config.server.host).toBe('127.0.0.1')
    expect(config.dataDir).toBe('/var/lib/sg')
    expect(config.log.level).toBe('warn')
  })

  it('adds SLACK_SIGNING_SECRET_PREVIOUS for rotation, with its notAfter', () => {
    const config = loadConfig({
      env: { SLACK_SIGNING_SECRET: SECRET, SLACK_SIGNING_SECRET_PREVIOUS: OTHER_SECRET, SLACK_SIGNING_SECRET_PREVIOUS_NOT_AFTER: '2027-01-15T00:00:00Z' },
      cwd: dir,
      now: NOW,
    })
    expect(config.slack.signingSecrets).toHaveLength(2)
    expect(config.slack.signingSecrets[1]?.notAfter).toBe(Date.parse('2027-01-15T00:00:00Z') / 1000)
    expect(verifies(config.slack.signingSecrets, OTHER_SECRET, Date.parse('2027-01-14T00:00:00Z') / 1000)).toBe(true)
    expect(verifies(config.slack.signingSecrets, OTHER_SECRET, Date.parse('2027-01-16T00:00:00Z') / 1000)).toBe(false)
  })

  it('reads a YAML file with env: and file: references (relative to the file)', () => {
    writeFileSync(join(dir, 'old-secret'), `${OTHER_SECRET}\n`)
    const file = writeConfig(`
server:
  port: 4000
  bodyLimitBytes: 65536
slack:
  timestampToleranceSeconds: 120
  signingSecrets:
    - ref: env:MY_SECRET
    - ref: file:old-secret
      notAfter: "2030-01-01T00:00:00Z"
`)
    const config = loadConfig({ file, env: { MY_SECRET: SECRET }, cwd: '/', now: NOW })
    expect(config.file).toBe(file)
    expect(config.server.port).toBe(4000)
    expect(config.server.bodyLimitBytes).toBe(65536)
    expect(config.slack.timestampToleranceSeconds).toBe(120)
    expect(verifies(config.slack.signingSecrets, SECRET)).toBe(true)
    expect(verifies(config.slack.signingSecrets, OTHER_SECRET)).toBe(true)
  })

  it('reads the file named by SLACKGATE_CONFIG', () => {
    const file = writeConfig('server:\n  port: 4100\n')
    expect(loadConfig({ env: { SLACKGATE_CONFIG: file, SLACK_SIGNING_SECRET: SECRET }, now: NOW }).server.port).toBe(4100)
  })

  it('secrets listed in the file take the place of SLACK_SIGNING_SECRET', () => {
    const file = writeConfig('slack:\n  signingSecrets:\n    - ref: env:MY_SECRET\n')
    const config = loadConfig({ file, env: { MY_SECRET: SECRET, SLACK_SIGNING_SECRET: OTHER_SECRET }, now: NOW })
    expect(config.slack.signingSecrets).toHaveLength(1)
    expect(verifies(config.slack.signingSecrets, OTHER_SECRET)).toBe(false)
  })

  it('refuses a literal secret in the file, naming the key and never echoing the value', () => {
    const file = writeConfig(`slack:\n  signingSecrets:\n    - ref: ${SECRET}\n`)
    let message = ''
    const problems = problemsOf(() => {
      try {
        loadConfig({ file, env: {}, now: NOW })
      } catch (err) {
        message = (err as Error).message
        throw err
      }
    })
    expect(problems[0]?.key).toBe('slack.signingSecrets[0].ref')
    expect(problems[0]?.message).toContain('not a literal secret: write { ref: env:NAME } and set NAME in the environment')
    expect(message).not.toContain(SECRET)
  })

  it.each([
    ['slack.signingSecrets[0]', `slack:\n  signingSecrets: [${SECRET}]\n`],
    ['directory.slack.botToken', `directory:\n  slack:\n    botToken: xoxb-${SECRET}\n`],
    ['tokens.keys[0]', `tokens:\n  keys: ["${SECRET}"]\n`],
  ])('a secret pasted where its reference belongs (%s) is refused with the fix', (key, yaml) => {
    const err = configErrorOf(() => loadConfig({ file: writeConfig(yaml), env: { SLACK_SIGNING_SECRET: SECRET }, now: NOW }))
    expect(err.problems).toEqual([{ key, message: expect.stringContaining('write { ref: env:NAME }') }])
    expect(err.message).not.toContain(SECRET)
  })

  it('a missing secret is a startup error', () => {
    const problems = problemsOf(() => loadConfig({ env: {}, cwd: dir, now: NOW }), 'unresolved_secret')
    expect(problems).toEqual([expect.objectContaining({ key: 'slack.signingSecrets' })])
  })

  it.each([
    ['empty', ''],
    ['whitespace only', '   '],
  ])('an %s secret is a startup error', (_name, value) => {
    const problems = problemsOf(() => loadConfig({ env: { SLACK_SIGNING_SECRET: value }, cwd: dir, now: NOW }))
    expect(problems[0]).toMatchObject({ key: 'slack.signingSecrets[0].ref', message: expect.stringContaining('SLACK_SIGNING_SECRET is empty') })
  })

  it('a secret with surrounding whitespace is refused rather than silently used', () => {
    const problems = problemsOf(() => loadConfig({ env: { SLACK_SIGNING_SECRET: ` ${SECRET}` }, cwd: dir, now: NOW }))
    expect(problems[0]?.message).toContain('whitespace')
    expect(JSON.stringify(problems)).not.toContain(SECRET)
  })

  it('names the unset environment variable and the unreadable file', () => {
    const file = writeConfig('slack:\n  signingSecrets:\n    - ref: env:NOPE\n    - ref: file:missing\n')
    const problems = problemsOf(() => loadConfig({ file, env: {}, now: NOW }))
    expect(problems).toEqual([
      { key: 'slack.signingSecrets[0].ref', message: 'environment variable NOPE is not set' },
      { key: 'slack.signingSecrets[1].ref', message: expect.stringContaining('ENOENT') },
    ])
  })

  it('refuses a configuration whose secrets have all expired', () => {
    const file = writeConfig('slack:\n  signingSecrets:\n    - ref: env:S\n      notAfter: "2020-01-01T00:00:00Z"\n')
    expect(problemsOf(() => loadConfig({ file, env: { S: SECRET }, now: NOW }))[0]?.key).toBe('slack.signingSecrets')
  })

  it.each([
    ['a misspelt key', 'server:\n  prot: 80\n', 'server', 'prot'],
    ['an unknown section', 'slak: {}\n', 'config', 'slak'],
    ['a bad port', 'server:\n  port: 70000\n', 'server.port', ''],
    ['a string for a number', 'server:\n  port: "80"\n', 'server.port', ''],
    ['a body limit below 1 KiB', 'server:\n  bodyLimitBytes: 10\n', 'server.bodyLimitBytes', ''],
    ['a zero window', 'slack:\n  timestampToleranceSeconds: 0\n', 'slack.timestampToleranceSeconds', ''],
    ['a bad notAfter', 'slack:\n  signingSecrets:\n    - ref: env:S\n      notAfter: soon\n', 'slack.signingSecrets[0].notAfter', ''],
    ['a bad log level', 'log:\n  level: loud\n', 'log.level', ''],
    ['a section that is not a mapping', 'server: 8080\n', 'server', ''],
  ])('names the offending key: %s', (_name, yaml, key, mention) => {
    const file = writeConfig(yaml)
    const problems = problemsOf(() => loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET, S: SECRET }, now: NOW }), 'invalid_config')
    expect(problems[0]?.key).toBe(key)
    expect(problems[0]?.message).toContain(mention)
  })

  it.each([
    ['a replay TTL under twice the window', 'slack:\n  timestampToleranceSeconds: 300\nreplay:\n  ttlSeconds: 599\n', 'replay.ttlSeconds', '600'],
    ['a memory queue', 'queue:\n  store: memory\n', 'queue.store', 'durable'],
    ['an unknown store', 'replay:\n  store: mongodb://x\n', 'replay.store', 'redis'],
    ['a route with two matches', 'routes:\n  - name: a\n    match: { event: x, command: /x }\n    public: true\n    handler: ./h.ts\n', 'routes[0].match', 'exactly one'],
    ['a route with no target', 'routes:\n  - name: a\n    match: { event: x }\n    public: true\n', 'routes[0]', 'exactly one target'],
    ['a route with two targets', 'routes:\n  - name: a\n    match: { event: x }\n    public: true\n    handler: ./h.ts\n    forward: { url: "http://x" }\n', 'routes[0]', 'exactly one target'],
    ['a forward to a non-http URL', 'routes:\n  - name: a\n    match: { event: x }\n    public: true\n    forward: { url: "file:///etc/passwd" }\n', 'routes[0].forward.url', 'http'],
    ['a duplicate route name', 'routes:\n  - { name: a, match: { event: x }, handler: ./h.ts, public: true }\n  - { name: a, match: { event: y }, handler: ./h.ts, public: true }\n', 'routes[1].name', 'duplicate'],
    ['two routes with one match', 'routes:\n  - { name: a, match: { event: x }, handler: ./h.ts, public: true }\n  - { name: b, match: { event: x }, handler: ./h.ts, public: true }\n', 'routes[1].match', 'already'],
    ['a bad route name', 'routes:\n  - { name: "Deploy Prod", match: { event: x }, handler: ./h.ts, public: true }\n', 'routes[0].name', 'lowercase'],
    ['an event type Slack never sends', 'routes:\n  - { name: a, match: { event: message.dm }, handler: ./h.ts, public: true }\n', 'routes[0].match.event', 'message.channels, message.groups, message.im, message.mpim, message.app_home'],
    ['an event type in capitals', 'routes:\n  - { name: a, match: { event: App_Mention }, handler: ./h.ts, public: true }\n', 'routes[0].match.event', 'such as app_mention'],
  ])('refuses %s, naming the key', (_name, yaml, key, mention) => {
    const problems = problemsOf(() => loadConfig({ file: writeConfig(yaml), env: { SLACK_SIGNING_SECRET: SECRET }, now: NOW }), 'invalid_config')
    expect(problems[0]?.key).toBe(key)
    expect(problems[0]?.message).toContain(mention)
  })

  it('resolves stores and handler paths', () => {
    const file = writeConfig('replay:\n  store: redis://127.0.0.1:6379/2\nqueue:\n  store: sqlite:queue.db\nroutes:\n  - { name: a, match: { command: /a }, handler: ./h.ts, public: true }\n')
    const config = loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET }, now: NOW })
    expect(config.replay).toEqual({ store: { kind: 'redis', url: 'redis://127.0.0.1:6379/2' }, ttlSeconds: 600, maxKeys: 2_000_000 })
    expect(config.queue).toEqual({ store: { kind: 'sqlite', path: join(dir, 'queue.db') }, concurrency: 32, maxBacklog: 250_000, redisPersistence: 'check' })
    expect(config.routes[0]).toMatchObject({ handler: join(dir, 'h.ts'), retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 300_000 } })
    const embedded = loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET, SLACKGATE_DATA_DIR: dir }, now: NOW })
    expect(embedded.replay.store).toEqual({ kind: 'sqlite', path: join(dir, 'slackgate.db') })
    expect(embedded.queue.store).toEqual(embedded.replay.store)
  })

  it('names PORT when the environment holds a bad port', () => {
    expect(problemsOf(() => loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET, PORT: 'eighty' }, cwd: dir, now: NOW }))[0]?.key).toBe('PORT')
  })

  it('reports invalid YAML with its line, and a duplicate key', () => {
    expect(problemsOf(() => loadConfig({ file: writeConfig('server:\n  port: [\n'), env: {}, now: NOW }))[0]?.message).toMatch(
      /not valid YAML at line \d/,
    )
    expect(problemsOf(() => loadConfig({ file: writeConfig('server:\n  port: 1\n  port: 2\n'), env: {}, now: NOW }))[0]?.key).toBe(
      'config',
    )
  })

  it('reports a missing config file', () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'none.yaml'), env: {}, now: NOW }))[0]?.message).toContain('ENOENT')
  })

  it('uses the fallback secret only when nothing else configures one (development mode)', () => {
    writeFileSync(join(dir, 'dev'), SECRET)
    let askedWith: string | undefined
    const fallbackSecretRef = (dataDir: string) => {
      askedWith = dataDir
      return `file:${join(dir, 'dev')}`
    }
    const config = loadConfig({ env: {}, cwd: dir, now: NOW, fallbackSecretRef, defaultHost: '127.0.0.1' })
    expect(askedWith).toBe(join(dir, 'data'))
    expect(config.server.host).toBe('127.0.0.1')
    expect(verifies(config.slack.signingSecrets, SECRET)).toBe(true)

    askedWith = undefined
    loadConfig({ env: { SLACK_SIGNING_SECRET: OTHER_SECRET }, cwd: dir, now: NOW, fallbackSecretRef })
    expect(askedWith).toBeUndefined()
  })
})

describe('function routes (custom steps)', () => {
  const load = (yaml: string, env: Record<string, string> = {}) => loadConfig({ file: writeConfig(yaml), env: { SLACK_SIGNING_SECRET: SECRET, ...env }, now: NOW })
  const step = (extra: string) => `routes:\n  - name: approve\n    match: { function: approve_expense }\n    public: true\n    forward: { url: http://svc.internal/approve }\n${extra}`

  it('takes a callback_id, step inputs and outputs as JSON Schema, and an error message', () => {
    const config = load(step('    step: { title: Approve, inputs: { type: object, properties: { amount: { type: number } } }, errorMessage: Try again }\n'))
    expect(config.routes[0]).toMatchObject({ match: { function: 'approve_expense' }, step: { title: 'Approve', errorMessage: 'Try again', inputs: { type: 'object' } } })
    expect(load(step('')).routes[0]?.step).toBeUndefined()
  })

  it.each([
    ['a callback_id Slack would not take', 'routes:\n  - name: a\n    match: { function: Approve-Expense }\n    public: true\n    forward: { url: http://svc.internal/a }\n', 'routes[0].match.function', /callback_id/],
    ['shortcut settings on another route', 'routes:\n  - name: a\n    match: { event: app_mention }\n    public: true\n    forward: { url: http://svc.internal/a }\n    shortcut: { type: global, name: A }\n', 'routes[0].shortcut', /only a shortcut route/],
    ['step settings on another route', 'routes:\n  - name: a\n    match: { event: app_mention }\n    public: true\n    forward: { url: http://svc.internal/a }\n    step: { title: A }\n', 'routes[0].step', /only a function route/],
    ['a body schema on a function route', step('    schema: { type: object }\n'), 'routes[0].schema', /step.inputs/],
    ['an invalid step.inputs', step('    step: { inputs: { type: 12 } }\n'), 'routes[0].step.inputs', /JSON Schema/],
    ['an invalid step.outputs', step('    step: { outputs: { type: object, requird: [a] } }\n'), 'routes[0].step.outputs', /JSON Schema/],
    ['a function route on a Redis queue without vault.masterKey', `queue: { store: "redis://127.0.0.1:6379" }\n${step('')}`, 'routes[0].match.function', /vault.masterKey/],
  ])('refuses %s', (_name, yaml, key, message) => {
    expect(problemsOf(() => load(yaml))).toContainEqual({ key, message: expect.stringMatching(message) })
  })
})

describe('workflow routes', () => {
  const route = (jwt: string, extra = '') => `routes:
  - name: wf
    match: { workflow: wf }
    public: true
    forward: { url: http://svc.internal/wf }
${extra}    jwt:
${jwt}
`
  const load = (yaml: string, env: Record<string, string> = {}) =>
    loadConfig({ file: writeConfig(yaml), env: { SLACK_SIGNING_SECRET: SECRET, ...env }, now: NOW })

  it('resolves an HS256 endpoint with its secret, and public keys from PEM', () => {
    writeFileSync(join(dir, 'caller.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }))
    const hs = load(route('      algorithms: [HS256]\n      secret: { ref: env:WF }'), { WF: 'x'.repeat(32) })
    expect(hs.workflows).toEqual([expect.objectContaining({ name: 'wf', route: 'wf', singleUse: true })])
    const ed = load(route('      algorithms: [EdDSA]\n      publicKeys: [{ ref: file:./caller.pem, kid: k1 }]\n      issuer: i\n      audience: a'))
    expect(ed.workflows[0]?.verifier.publicKeys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', kid: 'k1' })])
  })

  it.each([
    ['a short HS256 secret', route('      algorithms: [HS256]\n      secret: { ref: env:WF }'), 'routes[0].jwt.secret.ref', /at least 32 bytes/],
    ['HS256 without a secret', route('      algorithms: [HS256]'), 'routes[0].jwt.secret', /give its secret/],
    ['public keys without issuer and audience', route('      algorithms: [RS256]\n      jwks: { url: "https://idp.example/jwks" }'), 'routes[0].jwt.issuer', /required/],
    ['a plain-http JWKS off loopback', route('      algorithms: [RS256]\n      jwks: { url: "http://idp.example/jwks" }\n      issuer: i\n      audience: a'), 'routes[0].jwt.jwks.url', /https/],
    ['alg none', route('      algorithms: [none]\n      secret: { ref: env:WF }'), 'routes[0].jwt.algorithms[0]', /./],
    ['a workflow route without jwt', 'routes:\n  - name: wf\n    match: { workflow: wf }\n    public: true\n    forward: { url: http://svc.internal/wf }\n', 'routes[0].jwt', /needs jwt/],
    ['an invalid body schema', route('      algorithms: [HS256]\n      secret: { ref: env:WF }', '    schema: { type: 12 }\n'), 'routes[0].schema', /JSON Schema/],
  ])('refuses %s', (_name, yaml, key, message) => {
    const problems = problemsOf(() => load(yaml, { WF: key.endsWith('secret.ref') ? 'short' : 'y'.repeat(40) }))
    expect(problems).toContainEqual({ key, message: expect.stringMatching(message) })
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { configErrorOf, problemsOf } from '../../helpers/config-error.js'
import { loadYaml } from '../../helpers/config-file.js'

describe('signing secrets shorter than Slack’s', () => {
  const short = 'abcdef0123456789abcdef012345678' // 31 characters: one short of Slack's 32

  it('are refused, naming the key and the fix, never the value', () => {
    const err = configErrorOf(() => loadYaml('', { SLACK_SIGNING_SECRET: short }))
    expect(err.code).toBe('invalid_config')
    expect(err.problems).toEqual([
      { key: 'slack.signingSecrets[0].ref', message: expect.stringContaining('shorter than a Slack signing secret (32 characters)') },
    ])
    expect(err.message).toContain('slack.allowShortSigningSecret')
    expect(err.message).not.toContain(short)
  })

  it('the previous secret too', () => {
    const problems = problemsOf(() => loadYaml('', { SLACK_SIGNING_SECRET_PREVIOUS: 'x'.repeat(16) }))
    expect(problems.map((p) => p.key)).toEqual(['slack.signingSecrets[1].ref'])
  })

  it('a Slack-length secret is accepted, and a short one when the config says so explicitly', () => {
    expect(loadYaml('', { SLACK_SIGNING_SECRET: 'a'.repeat(32) }).slack.signingSecrets).toHaveLength(1)
    expect(loadYaml('slack: { allowShortSigningSecret: true }\n', { SLACK_SIGNING_SECRET: short }).slack.signingSecrets).toHaveLength(1)
  })
})

describe('directory.slack.apiUrl: the bot token travels there', () => {
  const directory = (apiUrl: string) => `directory:
  slack:
    botToken: { ref: env:BOT }
    apiUrl: ${apiUrl}
`
  it.each(['http://slack.example.com/api', 'http://10.0.0.8:8080/api', 'http://127.0.0.1.nip.io/api'])('must be https off loopback: %s', (url) => {
    const problems = problemsOf(() => loadYaml(directory(url), { BOT: 'xoxb-1' }))
    expect(problems).toEqual([{ key: 'directory.slack.apiUrl', message: expect.stringContaining('must be https') }])
  })

  it.each(['https://slack.com/api', 'http://127.0.0.1:4000/api', 'http://127.0.0.2:4000', 'http://localhost:9/api', 'http://[::1]:9/api'])(
    'https, or http to loopback: %s',
    (url) => {
      expect(loadYaml(directory(url), { BOT: 'xoxb-1' }).directory).toMatchObject({ kind: 'slack', apiUrl: url })
    },
  )
})

describe('routes[].jwt.jwks.cooldownSeconds', () => {
  const workflow = (jwks: string) => `routes:
  - name: wf
    match: { workflow: wf }
    forward: { url: "http://127.0.0.1:9/wf" }
    public: true
    jwt:
      algorithms: [ES256]
      jwks: ${jwks}
      issuer: https://idp.example.com
      audience: slackgate
`
  it.each([0, 1, 9.5])('refuses a cooldown under 10 s (%s): every unknown kid would be a fetch', (cooldown) => {
    const problems = problemsOf(() => loadYaml(workflow(`{ url: "https://idp.example.com/jwks.json", cooldownSeconds: ${cooldown} }`)))
    expect(problems).toEqual([{ key: 'routes[0].jwt.jwks.cooldownSeconds', message: expect.stringContaining('at least 10 s') }])
  })

  it('defaults to 30 s, as jose does', () => {
    const config = loadYaml(workflow('{ url: "https://idp.example.com/jwks.json" }'))
    expect(config.workflows[0]?.verifier.jwks?.cooldownMs).toBe(30_000)
  })
})

describe('tokens.keys', () => {
  const tokens = (algorithm = 'EdDSA') => `tokens:\n  algorithm: ${algorithm}\n  keys: [{ ref: env:TOKEN_KEY }]\n`
  // Every 4-character piece of `key` that `message` contains.
  const echoed = (message: string, key: string) =>
    Array.from({ length: Math.max(0, key.length - 3) }, (_, i) => key.slice(i, i + 4)).filter((piece) => message.includes(piece))

  it.each([
    ['broken JSON', '{"kty":"OKP","crv":"Ed25519","d":c2VjcmV0LXByaXZhdGUtbWF0ZXJpYWw}'],
    ['a truncated PEM', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHNlY3JldC1wcml2YXRl\n-----END PRIVATE KEY-----'],
    ['neither', 'c2VjcmV0LXByaXZhdGUtbWF0ZXJpYWwtd2l0aG91dC1hbnktZnJhbWluZw'],
  ])('a malformed key (%s) is refused at load, echoing none of its characters', (_name, key) => {
    const err = configErrorOf(() => loadYaml(tokens(), { TOKEN_KEY: key }))
    expect(err.problems).toEqual([{ key: 'tokens.keys[0].ref', message: expect.stringContaining('is not a private key') }])
    expect(echoed(err.message, key)).toEqual([])
  })

  it('a public key, or a key of another type than tokens.algorithm, is refused at load', () => {
    const ed = generateKeyPairSync('ed25519')
    const pub = JSON.stringify(ed.publicKey.export({ format: 'jwk' }))
    expect(problemsOf(() => loadYaml(tokens(), { TOKEN_KEY: pub }))[0]?.message).toContain('is not a private key')
    const rsa = (generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trimEnd()
    expect(problemsOf(() => loadYaml(tokens(), { TOKEN_KEY: rsa }))[0]?.message).toBe('is an rsa key; tokens.algorithm EdDSA signs with ed25519')
    const pem = (ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trimEnd()
    expect(loadYaml(tokens(), { TOKEN_KEY: pem }).tokens.suppliedKeys).toHaveLength(1)
    expect(loadYaml(tokens('RS256'), { TOKEN_KEY: rsa }).tokens.suppliedKeys).toHaveLength(1)
  })
})

describe('the Slack app settings the Web API and the install flow use', () => {
  it('slack.apiUrl must be https off loopback (tokens are sent there), and loses a trailing slash', () => {
    expect(problemsOf(() => loadYaml('slack: { apiUrl: "http://slack.example.com/api" }\n'))).toEqual([
      { key: 'slack.apiUrl', message: expect.stringContaining('must be https') },
    ])
    expect(loadYaml('slack: { apiUrl: "http://127.0.0.1:9999/api/" }\n').slack.apiUrl).toBe('http://127.0.0.1:9999/api')
    expect(loadYaml('').slack.apiUrl).toBe('https://slack.com/api')
  })

  it('reads slack.botToken and slack.clientSecret by reference only, never printing them', () => {
    const config = loadYaml('slack: { botToken: { ref: env:BOT }, clientId: "123.456", clientSecret: { ref: env:CS } }\n', { BOT: 'xoxb-1-2-secret', CS: 'client-secret-value' })
    expect([config.slack.botToken?.(), config.slack.clientId, config.slack.clientSecret?.()]).toEqual(['xoxb-1-2-secret', '123.456', 'client-secret-value'])
    expect(JSON.stringify(config)).not.toMatch(/xoxb-1-2-secret|client-secret-value/)
    expect(problemsOf(() => loadYaml('slack: { botToken: "xoxb-pasted" }\n'))).toEqual([{ key: 'slack.botToken', message: expect.stringContaining('write { ref: env:NAME }') }])
    expect(problemsOf(() => loadYaml('slack: { botToken: { ref: env:MISSING } }\n'))).toEqual([{ key: 'slack.botToken.ref', message: expect.any(String) }])
  })

  it('slack.clientId and slack.clientSecret go together, and the Client ID has its shape', () => {
    expect(problemsOf(() => loadYaml('slack: { clientId: "123.456" }\n'))).toEqual([{ key: 'slack.clientSecret', message: expect.stringContaining('go together') }])
    expect(problemsOf(() => loadYaml('slack: { clientId: "my-app", clientSecret: { ref: env:CS } }\n', { CS: 'x' }))).toContainEqual({ key: 'slack.clientId', message: expect.stringContaining('Client ID') })
  })
})

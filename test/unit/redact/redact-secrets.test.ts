import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/http/logger.js'
import { isSecretName, knownSecretScrubber, REDACTED, redactSecrets, redactError, scrubSecrets } from '../../../src/redact/redact-secrets.js'

describe('isSecretName', () => {
  it.each([
    'signature', 'x-slack-signature', 'authorization', 'Authorization', 'cookie', 'secret', 'signingSecret',
    'signingSecrets', 'client_secret', 'SLACK_SIGNING_SECRET', 'token', 'bot_access_token', 'accessToken',
    'SLACK_BOT_TOKEN', 'password', 'passphrase', 'credentials', 'apiKey', 'x-api-key', 'API_KEY', 'private_key',
    'privateKey', 'GATEWAY_SIGNING_KEY', 'signingKey',
  ])('treats %s as secret', (name) => expect(isSecretName(name)).toBe(true))

  it.each(['method', 'route', 'status', 'verdict', 'reason', 'jobId', 'keys', 'kind', 'monkey', 'keyboard', 'tokenizer'])(
    'leaves %s alone',
    (name) => expect(isSecretName(name)).toBe(false),
  )
})

describe('redactSecrets', () => {
  it('returns an object without secrets as is, without copying', () => {
    const line = { method: 'POST', status: 200, nested: { route: 'deploy', list: [1, { a: 'b' }] } }
    expect(redactSecrets(line)).toBe(line)
  })

  it('replaces secret fields at any depth and leaves the input untouched', () => {
    const input = { a: 1, headers: { authorization: 'Bearer abc', host: 'x' }, list: [{ token: 't' }, 'plain'] }
    const out = redactSecrets(input)
    expect(out).toEqual({ a: 1, headers: { authorization: REDACTED, host: 'x' }, list: [{ token: REDACTED }, 'plain'] })
    expect(input.headers.authorization).toBe('Bearer abc')
    expect((input.list[0] as { token: string }).token).toBe('t')
  })

  it('redacts a secret whatever its type, and leaves an absent one absent', () => {
    expect(redactSecrets({ secret: { nested: 'x' }, token: 42, password: undefined })).toEqual({
      secret: REDACTED,
      token: REDACTED,
      password: undefined,
    })
  })

  it('keeps an error an error: prototype, message and stack survive the copy', () => {
    const err = Object.assign(new TypeError('boom'), { config: { headers: { Authorization: 'Bearer s3cr3t' } } })
    const out = redactSecrets({ err }).err
    expect(out).toBeInstanceOf(TypeError)
    expect(out.message).toBe('boom')
    expect(out.stack).toBe(err.stack)
    expect(out.config.headers.Authorization).toBe(REDACTED)
  })

  it('stops at a cycle instead of looping', () => {
    const a: Record<string, unknown> = { name: 'a' }
    a.self = a
    const out = redactSecrets(a) as Record<string, unknown>
    let depth = 0
    let cursor: unknown = out
    while (typeof cursor === 'object' && cursor !== null) {
      cursor = (cursor as Record<string, unknown>).self
      depth++
    }
    expect(cursor).toBe('[too deep]')
    expect(depth).toBeLessThan(12)
  })

  it('leaves binary data and dates alone', () => {
    const value = { body: Buffer.from('abc'), at: new Date(0) }
    expect(redactSecrets(value)).toBe(value)
  })
})

describe('the gateway logger', () => {
  function capture() {
    const lines: string[] = []
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
    return { logger, lines }
  }

  it('redacts secrets in logged objects and serialised errors, in child loggers too', () => {
    const { logger, lines } = capture()
    const err = Object.assign(new Error('upstream refused'), { request: { headers: { authorization: 'Bearer leaked-1' } } })
    logger
      .child({ reqId: 'r1' })
      .error({ err, client_secret: 'leaked-2', headers: { 'x-slack-signature': 'v0=leaked-3' }, SLACK_BOT_TOKEN: 'xoxb-leaked-4', route: 'deploy' }, 'failed')
    expect(lines).toHaveLength(1)
    const text = lines[0] as string
    for (const secret of ['leaked-1', 'leaked-2', 'leaked-3', 'leaked-4']) expect(text).not.toContain(secret)
    const line = JSON.parse(text) as Record<string, any>
    expect(line.route).toBe('deploy')
    expect(line.reqId).toBe('r1')
    expect(line.err.message).toBe('upstream refused')
    expect(line.err.type).toBe('Error')
    expect(line.err.request.headers.authorization).toBe(REDACTED)
  })
})

describe('scrubSecrets and redactError: credentials inside free text', () => {
  it.each([
    ['a Slack bot token', 'call failed for xoxb-1234-5678-abcdef', 'call failed for [redacted]'],
    ['a user token', 'xoxp-1-2-3 expired', '[redacted] expired'],
    ['a workflow step token', 'step token xwfp-7-AbC9-def0 refused', 'step token [redacted] refused'],
    ['a bearer credential', 'sent Authorization: Bearer abc.def-ghi', 'sent Authorization: [redacted]'],
    ['a JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln was refused', 'token [redacted] was refused'],
    ['a URL password', 'connect ECONNREFUSED redis://:hunter2@10.0.0.1:6379', 'connect ECONNREFUSED redis://:[redacted]@10.0.0.1:6379'],
    ['a user and password', 'postgres://app:s3cret@db/x', 'postgres://app:[redacted]@db/x'],
    ['a Slack signing secret (32 hex digits)', 'secret 8f742231b10e8888abd99b1c5f3d4a0e leaked', 'secret [redacted] leaked'],
    ['a longer hex key', 'key=0123456789ABCDEF0123456789abcdef0123456789abcdef', 'key=[redacted]'],
    ['a Standard Webhooks secret', 'bad whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw= given', 'bad [redacted] given'],
  ])('%s', (_name, text, expected) => {
    expect(scrubSecrets(text)).toBe(expected)
  })

  it('leaves ordinary text alone', () => {
    const texts = ['https://example.com/a@b', 'user@example.com', 'keyboard: 12 keys', 'a:b@c', 'job 0192f5e4-7c1a-7d2e-8f00-123456789abc', 'HTTP 502 from deadbeef00']
    for (const text of texts) expect(scrubSecrets(text)).toBe(text)
  })

  it("scrubs a serialised error's message and stack, and redacts its secret-named fields", () => {
    const err = { type: 'Error', message: 'bad xoxb-9-9-z', stack: 'Error: bad xoxb-9-9-z\n    at x', token: 'abc', code: 'E1' }
    expect(redactError(err)).toEqual({ type: 'Error', message: 'bad [redacted]', stack: 'Error: bad [redacted]\n    at x', token: '[redacted]', code: 'E1' })
  })
})

describe('knownSecretScrubber', () => {
  it('replaces each known value wherever it appears, the longest first, and credential-shaped text too', () => {
    const scrub = knownSecretScrubber(['plain-words-secret', 'plain-words-secret-longer', 'short'])
    expect(scrub('a plain-words-secret-longer and a plain-words-secret, twice: plain-words-secret; xoxb-1-2-3; short')).toBe(
      'a [redacted] and a [redacted], twice: [redacted]; [redacted]; short',
    )
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/http/logger.js'
import { createWebClient, type WebClientSettings } from '../../../src/slack-api/web-client.js'
import { retryAfterMs } from '../../../src/slack-api/retry-after.js'
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'

const TOKEN = 'xoxb-4242-webclient-test-token'
let slack: FakeSlackApi
let lines: string[]
let settings: WebClientSettings

beforeEach(async () => {
  slack = await startFakeSlackApi({ token: TOKEN })
  lines = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } })
  settings = { apiUrl: slack.url, logger, timeoutMs: 5000, maxRetryAfterSeconds: 60 }
})

afterEach(() => slack.close())

const postCalls = () => slack.calls().filter((c) => c.method === 'chat.postMessage')

describe('the gateway WebClient', () => {
  it('calls slack.apiUrl with its token', async () => {
    const client = createWebClient(settings, TOKEN)
    const res = await client.chat.postMessage({ channel: 'C0001', text: 'hello' })
    expect(res.ok).toBe(true)
    expect(slack.posts()).toMatchObject([{ token: TOKEN, channel: 'C0001', text: 'hello' }])
  })

  it('resolves a lazy token only when it calls Slack', async () => {
    let resolved = 0
    const client = createWebClient(settings, async () => {
      resolved += 1
      return TOKEN
    })
    expect(resolved).toBe(0)
    await client.auth.test()
    expect(resolved).toBe(1)
    expect(slack.calls().map((c) => c.authorization)).toEqual([`Bearer ${TOKEN}`])
  })

  it('a token given to one call wins over the bound one', async () => {
    const other = 'xoxb-4242-webclient-other-token'
    slack.acceptToken(other)
    const client = createWebClient(settings, async () => TOKEN)
    await client.chat.postMessage({ channel: 'C0001', text: 'as another', token: other })
    expect(slack.posts().map((p) => p.token)).toEqual([other])
  })

  it('honours a 429 Retry-After: the call is sent again once it has passed, and posts once', async () => {
    slack.failNextPost({ status: 429, retryAfterSeconds: 1 })
    const client = createWebClient(settings, TOKEN)
    await client.chat.postMessage({ channel: 'C0001', text: 'after the limit' })
    const [limited, retried] = postCalls()
    expect(postCalls()).toHaveLength(2)
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000)
    expect(slack.posts()).toHaveLength(1)
  })

  it('does not wait out a Retry-After longer than maxRetryAfterSeconds: the call fails at once', async () => {
    slack.failNextPost({ status: 429, retryAfterSeconds: 120 })
    const client = createWebClient(settings, TOKEN)
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'x' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 120 })
    expect(postCalls()).toHaveLength(1)
    expect(slack.posts()).toHaveLength(0)
  })

  it('does not retry a 500 that came after the post: one post at Slack, and the call fails', async () => {
    slack.failNextPost({ status: 500 })
    const client = createWebClient(settings, TOKEN)
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'once' })).rejects.toMatchObject({ code: 'slack_webapi_http_error', statusCode: 500 })
    expect(postCalls()).toHaveLength(1)
    expect(slack.posts()).toHaveLength(1)
  })

  it('does not retry a call that timed out (it may have run)', async () => {
    slack.setDown('hang')
    let sent = 0
    const counting: typeof fetch = (input, init) => {
      sent += 1
      return fetch(input, init)
    }
    const client = createWebClient({ ...settings, timeoutMs: 200, fetch: counting }, TOKEN)
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'lost' })).rejects.toMatchObject({ code: 'slack_webapi_request_error' })
    expect(sent).toBe(1)
  })

  it('refuses an absolute URL: the token goes to slack.apiUrl only', async () => {
    const client = createWebClient(settings, TOKEN)
    await expect(client.apiCall('https://attacker.invalid/api/auth.test')).rejects.toThrow()
    expect(slack.calls().map((c) => c.method)).toEqual(['https://attacker.invalid/api/auth.test'])
    expect(slack.calls()[0]?.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('logs warnings without the token', async () => {
    slack.failNextPost({ status: 500 })
    const client = createWebClient(settings, TOKEN)
    await client.chat.postMessage({ channel: 'C0001', text: `echo ${TOKEN}` }).catch(() => undefined)
    await client.chat.postMessage({ channel: 'C0001', blocks: [] }).catch(() => undefined)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('\n')).not.toContain(TOKEN)
  })
})

describe('retryAfterMs', () => {
  it('reads whole seconds, up to the ceiling', () => {
    expect(retryAfterMs('3', 60)).toBe(3000)
    expect(retryAfterMs(' 0 ', 60)).toBe(0)
    expect(retryAfterMs('60', 60)).toBe(60_000)
  })

  it('is undefined for a missing, malformed or too long wait', () => {
    expect(retryAfterMs(null, 60)).toBeUndefined()
    expect(retryAfterMs('', 60)).toBeUndefined()
    expect(retryAfterMs('1.5', 60)).toBeUndefined()
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', 60)).toBeUndefined()
    expect(retryAfterMs('61', 60)).toBeUndefined()
  })
})

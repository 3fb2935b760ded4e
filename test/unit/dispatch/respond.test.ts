import { describe, expect, it } from 'vitest'
import { respondTo } from '../../../src/dispatch/respond.js'

describe('respond()', () => {
  const calls: string[] = []
  const fakeFetch: typeof fetch = async (input) => {
    calls.push(String(input))
    return new Response(null, { status: 200 })
  }

  it('posts to an https://hooks.slack.com/ response_url', async () => {
    await respondTo('https://hooks.slack.com/commands/T1/2/abc', 'hi', fakeFetch)
    expect(calls).toEqual(['https://hooks.slack.com/commands/T1/2/abc'])
  })

  it.each([
    'http://hooks.slack.com/commands/T1/2/abc',
    'https://hooks.slack.com.evil.example/x',
    'https://evil.example/?https://hooks.slack.com/',
    'https://user:pw@hooks.slack.com/x',
    'https://hooks.slack.com:8443/x',
    'https://slack.com/x',
    'not a url',
  ])('refuses %s', async (url) => {
    const before = calls.length
    await expect(respondTo(url, 'hi', fakeFetch)).rejects.toThrow()
    expect(calls.length).toBe(before)
  })

  it('refuses a request without a response_url', async () => {
    await expect(respondTo(undefined, 'hi', fakeFetch)).rejects.toThrow(/no response_url/)
  })

  it('fails (so the job retries) when Slack answers an error', async () => {
    const failing: typeof fetch = async () => new Response(null, { status: 500 })
    await expect(respondTo('https://hooks.slack.com/x', 'hi', failing)).rejects.toThrow(/HTTP 500/)
  })
})

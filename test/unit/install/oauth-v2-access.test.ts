import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oauthV2Access, OAuthV2AccessError, type OAuthV2AccessOptions } from '../../../src/slack-api/oauth-v2-access.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'

let slack: FakeSlackApi
let options: OAuthV2AccessOptions
const REDIRECT = 'https://gw.example.com/slack/oauth_redirect'

beforeAll(async () => {
  slack = await startFakeSlackApi()
  options = { apiUrl: slack.url, clientId: FAKE_CLIENT_ID, clientSecret: () => FAKE_CLIENT_SECRET, timeoutMs: 1000 }
})
afterAll(() => slack.close())

async function failure(promise: Promise<unknown>): Promise<OAuthV2AccessError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(OAuthV2AccessError)
  return err as OAuthV2AccessError
}

describe('oauth.v2.access', () => {
  it('exchanges a code: the bot and user tokens, scopes, team, installer', async () => {
    const granted = slack.grantCode({ teamId: 'T1', teamName: 'One', botScopes: ['commands', 'chat:write'], userScopes: ['search:read'], userId: 'U1', rotating: true, redirectUri: REDIRECT })
    const access = await oauthV2Access(options, { grantType: 'authorization_code', code: granted.code, redirectUri: REDIRECT })
    expect(access).toEqual({
      appId: 'A0FAKEAPP',
      botUserId: 'U0FAKEBOT',
      accessToken: granted.botToken,
      tokenType: 'bot',
      scopes: ['commands', 'chat:write'],
      refreshToken: granted.botRefreshToken,
      expiresIn: 43_200,
      team: { id: 'T1', name: 'One' },
      isEnterpriseInstall: false,
      authedUser: { id: 'U1', accessToken: granted.userToken, scopes: ['search:read'], refreshToken: granted.userRefreshToken, expiresIn: 43_200 },
    })
  })

  it('refreshes a rotating token, once: the refresh token is single use', async () => {
    const pair = slack.issueRotating({ identity: { teamId: 'T1' } })
    const fresh = await oauthV2Access(options, { grantType: 'refresh_token', refreshToken: pair.refreshToken })
    expect(fresh.accessToken).toMatch(/^xoxe\.xoxb-/)
    expect(fresh.refreshToken).not.toBe(pair.refreshToken)
    expect(fresh.expiresIn).toBe(43_200)
    const again = await failure(oauthV2Access(options, { grantType: 'refresh_token', refreshToken: pair.refreshToken }))
    expect([again.failure, again.slackError]).toEqual(['slack', 'invalid_refresh_token'])
  })

  it("names Slack's error, never the secret, the code or a token", async () => {
    const granted = slack.grantCode({ teamId: 'T1', botScopes: ['commands'] })
    const err = await failure(oauthV2Access({ ...options, clientSecret: () => 'wrong-secret-value-123' }, { grantType: 'authorization_code', code: granted.code, redirectUri: REDIRECT }))
    expect([err.failure, err.slackError]).toEqual(['slack', 'invalid_client'])
    expect(err.message).toBe('oauth.v2.access failed: slack (invalid_client)')
    const text = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`
    for (const secret of ['wrong-secret-value-123', FAKE_CLIENT_SECRET, granted.code, granted.botToken as string]) expect(text).not.toContain(secret)
  })

  it.each([
    ['hang', 'timeout'],
    ['500', 'http_status'],
    ['refuse', 'network'],
  ] as const)('fails typed when the API is down (%s): %s', async (mode, expected) => {
    slack.setDown(mode)
    try {
      const err = await failure(oauthV2Access({ ...options, timeoutMs: 300 }, { grantType: 'authorization_code', code: 'x', redirectUri: REDIRECT }))
      expect(err.failure).toBe(expected)
    } finally {
      slack.setDown(false)
    }
  })

  it.each([
    ['not JSON', 'oops'],
    ['a team that is not an object', JSON.stringify({ ok: true, team: 'T1' })],
    ['no ok', JSON.stringify({ access_token: 'xoxb-1' })],
  ])('refuses a malformed answer (%s)', async (_name, body) => {
    const fake = (async () => new Response(body, { status: 200 })) as typeof fetch
    const err = await failure(oauthV2Access({ ...options, fetch: fake }, { grantType: 'refresh_token', refreshToken: 'r' }))
    expect(err.failure).toBe('malformed_response')
  })

  it("does not repeat an error code that is not Slack's shape", async () => {
    const fake = (async () => new Response(JSON.stringify({ ok: false, error: 'xoxb-123 leaked <b>' }), { status: 200 })) as typeof fetch
    const err = await failure(oauthV2Access({ ...options, fetch: fake }, { grantType: 'refresh_token', refreshToken: 'r' }))
    expect(err.slackError).toBe('unknown_error')
  })
})

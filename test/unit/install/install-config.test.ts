import { describe, expect, it } from 'vitest'
import { problemsOf } from '../../helpers/config-error.js'
import { loadYaml } from '../../helpers/config-file.js'

const SLACK = `slack:
  clientId: "1111111111.2222222222"
  clientSecret: { ref: env:CS }
`
const ENV = { CS: 'client-secret-0123456789' }
const install = (lines: string) => `${SLACK}install:
  redirectUrl: https://gw.example.com/slack/oauth_redirect
  scopes: { bot: [commands] }
${lines}`

describe('install config', () => {
  it('has safe defaults', () => {
    expect(loadYaml(install(''), ENV).install).toEqual({
      redirectUrl: 'https://gw.example.com/slack/oauth_redirect',
      scopes: { bot: ['commands'], user: [] },
      cookieName: '__Host-slackgate-install',
      allowCookieWithoutHostPrefix: false,
      stateTtlSeconds: 600,
      allowInstallWithoutState: false,
      authorizeUrl: 'https://slack.com/oauth/v2/authorize',
      exchangeTimeoutMs: 10_000,
    })
  })

  it('is absent unless configured', () => {
    expect(loadYaml(SLACK, ENV).install).toBeUndefined()
  })

  it('needs slack.clientId and slack.clientSecret', () => {
    const problems = problemsOf(() => loadYaml(`install:\n  redirectUrl: https://gw.example.com/slack/oauth_redirect\n  scopes: { bot: [commands] }\n`), 'invalid_config')
    expect(problems).toEqual([{ key: 'install', message: expect.stringContaining('needs slack.clientId and slack.clientSecret') }])
  })

  it('refuses a cookie name without the __Host- prefix unless allowed', () => {
    const problems = problemsOf(() => loadYaml(install('  cookieName: __session\n'), ENV), 'invalid_config')
    expect(problems).toEqual([{ key: 'install.cookieName', message: expect.stringContaining('must start with __Host-') }])
    expect(loadYaml(install('  cookieName: __session\n  allowCookieWithoutHostPrefix: true\n'), ENV).install?.cookieName).toBe('__session')
  })

  it.each([
    ['  redirectUrl: http://gw.example.com/slack/oauth_redirect\n', 'install.redirectUrl', 'must be https'],
    ['  redirectUrl: https://gw.example.com/oauth\n', 'install.redirectUrl', 'must end with /slack/oauth_redirect'],
    ['  authorizeUrl: http://slack.example.com/oauth/v2/authorize\n', 'install.authorizeUrl', 'must be https'],
    ['  cookieName: "__Host-a b"\n', 'install.cookieName', 'a cookie name'],
    ['  stateTtlSeconds: 86400\n', 'install.stateTtlSeconds', ''],
    ['  scopes: { bot: [], user: [] }\n', 'install.scopes', 'declare at least one'],
    ['  scopes: { bot: [commands, commands] }\n', 'install.scopes.bot', 'lists a scope twice'],
    ['  scopes: { bot: ["chat write"] }\n', 'install.scopes.bot[0]', 'a Slack scope'],
  ])('refuses %j', (line, key, message) => {
    const yaml = line.includes('redirectUrl') || line.includes('scopes')
      ? `${SLACK}install:\n${line.includes('redirectUrl') ? '' : '  redirectUrl: https://gw.example.com/slack/oauth_redirect\n'}${line.includes('scopes') ? '' : '  scopes: { bot: [commands] }\n'}${line}`
      : install(line)
    const problems = problemsOf(() => loadYaml(yaml, ENV), 'invalid_config')
    expect(problems).toContainEqual({ key, message: expect.stringContaining(message) })
  })

  it('takes a loopback http redirect URL (local development)', () => {
    expect(loadYaml(install('').replace('https://gw.example.com', 'http://127.0.0.1:3000'), ENV).install?.redirectUrl).toBe('http://127.0.0.1:3000/slack/oauth_redirect')
  })
})

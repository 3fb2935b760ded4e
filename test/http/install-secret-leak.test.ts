import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { runCli } from '../helpers/cli.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeGrantedCode, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { installApp, REDIRECT_URL, type InstallApp } from '../helpers/install-app.js'
import { createMemoryVault } from '../helpers/memory-vault.js'
import { NOW } from '../helpers/signing.js'

// The install flow's side of the secret-leak scan (test/http/secret-leak.test.ts covers the
// request path): no token, refresh token, client secret or authorization code in any log line,
// audit record, response or CLI output, whether the install succeeds or is refused after Slack
// granted its tokens.

let slack: FakeSlackApi
let t: InstallApp
let open: InstallApp
let failing: InstallApp
const memoryVault = createMemoryVault()
const grants: FakeGrantedCode[] = []
const cliOutput: string[] = []

const WORKSPACE = { teamId: 'T0LEAK', teamName: 'Leak', botScopes: ['commands', 'chat:write'], userScopes: ['search:read'], rotating: true, redirectUri: REDIRECT_URL }

beforeAll(async () => {
  slack = await startFakeSlackApi()
  t = await installApp(slack)
  open = await installApp(slack, '  allowInstallWithoutState: true\n')
  failing = await installApp(slack, '', memoryVault)
  const grant = (over: object = {}) => {
    const g = slack.grantCode({ ...WORKSPACE, ...over })
    grants.push(g)
    return g
  }
  const install = async (over: object, expected: number, app = t) => {
    const browser = await app.begin()
    const res = await app.callback({ code: grant(over).code, state: browser.state }, browser.cookie)
    expect(res.statusCode).toBe(expected)
  }
  await install({}, 200) // installed, with rotating bot and user tokens
  await install({ botScopes: ['commands', 'chat:write', 'channels:history'] }, 403) // granted, then refused: scopes_exceeded
  await install({ teamId: 'T0LEAK2', teamName: '<b>x</b>' }, 200)
  memoryVault.setDown(true)
  await install({ teamId: 'T0LEAK3' }, 503, failing) // granted, then the vault is down
  memoryVault.setDown(false)
  const reused = await t.begin()
  expect((await t.callback({ code: grant().code, state: reused.state }, reused.cookie)).statusCode).toBe(200)
  expect((await t.callback({ code: grant().code, state: reused.state }, reused.cookie)).statusCode).toBe(400) // state_reused
  expect((await open.callback({ code: grant({ teamId: undefined, enterpriseId: 'E0LEAK', isEnterpriseInstall: true }).code })).statusCode).toBe(200)
  expect((await open.callback({ code: grant().code })).statusCode).toBe(400) // a workspace install without state, tokens granted
  t.now = NOW

  for (const app of [t, open, failing]) {
    for (const args of [['audit', 'query'], ['audit', 'tail', '-n', '50'], ['scopes', 'lint'], ['scopes', 'lint', '--json'], ['installations', 'list'], ['installations', 'list', '--json']]) {
      const out = runCli([...args, '--config', app.configFile], { env: app.env })
      expect(out.status, out.stderr).toBe(0)
      cliOutput.push(out.stdout, out.stderr)
    }
  }
}, 60_000)

afterAll(async () => {
  await t.close()
  await open.close()
  await failing.close()
  await slack.close()
})

describe('no secret leaks from the install flow', () => {
  const secrets = (): Array<[string, string]> => [
    ['the client secret', FAKE_CLIENT_SECRET],
    ['the Basic credentials', Buffer.from(`${FAKE_CLIENT_ID}:${FAKE_CLIENT_SECRET}`).toString('base64')],
    ...grants.flatMap((g, i) =>
      [
        [`code ${i}`, g.code],
        [`bot token ${i}`, g.botToken],
        [`bot refresh token ${i}`, g.botRefreshToken],
        [`user token ${i}`, g.userToken],
        [`user refresh token ${i}`, g.userRefreshToken],
      ].filter((pair): pair is [string, string] => pair[1] !== undefined),
    ),
  ]

  it('ran every scenario, with tokens granted in each', async () => {
    expect(grants.length).toBe(8)
    expect(grants.every((g) => g.botToken !== undefined && g.botRefreshToken !== undefined)).toBe(true)
    expect([...(await t.installed()), ...(await open.installed()), ...memoryVault.installations.keys()].sort()).toEqual(['enterprise:E0LEAK', 'team:T0LEAK', 'team:T0LEAK2'])
  })

  it('in no log line', () => {
    const logs = [...t.lines, ...open.lines, ...failing.lines].join('\n')
    expect(logs).toContain('"reason":"scopes_exceeded"')
    for (const [name, value] of secrets()) expect(logs.includes(value), name).toBe(false)
  })

  it('in no audit record', async () => {
    const records = JSON.stringify([...(await readAll(t.gateway.stores.audit)), ...(await readAll(open.gateway.stores.audit)), ...(await readAll(failing.gateway.stores.audit))])
    expect(records).toContain('app_installed')
    for (const [name, value] of secrets()) expect(records.includes(value), name).toBe(false)
  })

  it('in no response', () => {
    const responses = [...t.responses, ...open.responses, ...failing.responses].join('\n')
    expect(responses).toContain('Installed')
    for (const [name, value] of secrets()) expect(responses.includes(value), name).toBe(false)
  })

  it('in no CLI output', () => {
    const out = cliOutput.join('\n')
    expect(out).toContain('app_installed')
    expect(out).toContain('T0LEAK2')
    for (const [name, value] of secrets()) expect(out.includes(value), name).toBe(false)
  })
})

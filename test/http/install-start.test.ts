import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { SECRET } from '../helpers/signing.js'

// `slackgate start` with an install section: the routes are served by the real process, and a
// configuration that cannot install is refused at start, naming the key.
const dir = mkdtempSync(join(tmpdir(), 'slackgate-install-start-'))
const env = { SLACK_SIGNING_SECRET: SECRET, CLIENT_SECRET: FAKE_CLIENT_SECRET, MASTER_KEY: randomBytes(32).toString('base64'), SLACKGATE_DATA_DIR: join(dir, 'data') }
let running: RunningGateway | undefined
let slack: FakeSlackApi | undefined

afterAll(async () => {
  await running?.stop()
  await slack?.close()
})

function config(name: string, yaml: string): string {
  const file = join(dir, name)
  writeFileSync(file, yaml)
  return file
}

describe('slackgate start with install', () => {
  it('serves the install page and completes an install against Slack', async () => {
    slack = await startFakeSlackApi()
    const file = config(
      'ok.yaml',
      `slack:
  apiUrl: "${slack.url}"
  clientId: "${FAKE_CLIENT_ID}"
  clientSecret: { ref: env:CLIENT_SECRET }
install:
  redirectUrl: https://gw.example.com/slack/oauth_redirect
  scopes: { bot: [commands] }
vault:
  masterKey: { ref: env:MASTER_KEY }
`,
    )
    running = await startGateway('start', { env, args: ['--config', file] })
    const begun = await fetch(`${running.url}/slack/install?direct=1`, { redirect: 'manual' })
    expect(begun.status).toBe(302)
    const state = new URL(begun.headers.get('location') ?? '').searchParams.get('state') ?? ''
    const cookie = (begun.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^__Host-slackgate-install=/)
    const { code } = slack.grantCode({ teamId: 'T0START', teamName: 'Started', botScopes: ['commands'] })
    const done = await fetch(`${running.url}/slack/oauth_redirect?${new URLSearchParams({ code, state }).toString()}`, { headers: { cookie } })
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('<strong>Started</strong>')
    await running.stop()
    running = undefined
    // The installation outlives the process, and the operator sees it (never its token).
    const list = runCli(['installations', 'list', '--json', '--config', file], { env })
    expect(list.status, list.stderr).toBe(0)
    expect(list.stdout).toContain('team:T0START')
    expect(list.stdout).not.toMatch(/xox[bpe]/)
  }, 30_000)

  it('refuses to start an install flow without the app credentials', () => {
    const file = config('bad.yaml', 'install:\n  redirectUrl: https://gw.example.com/slack/oauth_redirect\n  scopes: { bot: [commands] }\n')
    const out = runCli(['start', '--config', file], { env })
    expect(out.status).toBe(2)
    expect(out.stderr).toContain('install: the install flow needs slack.clientId and slack.clientSecret')
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { startFakeSlackApi, type FakeGrantedCode, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { installApp, REDIRECT_URL, type InstallApp } from '../helpers/install-app.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { commandFields, eventEnvelope, form, slackHeaders } from '../helpers/signing.js'

// From install to uninstall through the real gateway: a workspace installs the app with the
// OAuth flow (token rotation on), a handler posts there with the installed token, then the
// workspace uninstalls it and the token is never used again.
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'
let slack: FakeSlackApi
let t: InstallApp
let grant: FakeGrantedCode

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-install-post-'))
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { defineHandlers } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.command('/post', async ({ request, say }) => void (await say('hello ' + request.context.teamId)))
})
`,
  )
  slack = await startFakeSlackApi()
  t = await installApp(slack, `routes:\n  - { name: post, match: { command: /post }, handler: ${join(dir, 'handlers.ts')}, public: true, retry: { maxAttempts: 1 } }\n`)
  t.gateway.startWorkers()
  grant = slack.grantCode({ teamId: 'T0E2E', teamName: 'End to end', botScopes: ['commands', 'chat:write'], userId: 'U0INSTALLER', rotating: true, redirectUri: REDIRECT_URL })
  const browser = await t.begin()
  expect((await t.callback({ code: grant.code, state: browser.state }, browser.cookie)).statusCode).toBe(200)
}, 30_000)

afterAll(async () => {
  await t.close()
  await slack.close()
})

async function send(url: string, payload: string, contentType = 'application/json') {
  const res = await t.gateway.app.inject({ method: 'POST', url, headers: slackHeaders(payload, { contentType }), payload })
  expect(res.statusCode).toBe(200)
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
}

const post = () => send('/slack/commands', form({ ...commandFields, command: '/post', team_id: 'T0E2E', channel_id: 'C0E2E', trigger_id: `${Math.random()}` }), FORM)

describe('install, post, uninstall', () => {
  it('a handler posts with the token the install stored', async () => {
    await post()
    expect(slack.posts()).toMatchObject([{ token: grant.botToken, channel: 'C0E2E', text: 'hello T0E2E' }])
  })

  it('once the installed token is due, the handler refreshes it with the installed refresh token and posts with the new one', async () => {
    const installed = await t.installation('team:T0E2E')
    if (installed?.bot === undefined) throw new Error('not installed')
    expect(installed.bot.refreshToken).toBe(grant.botRefreshToken)
    // An hour before it expires: within the default two hours.
    await t.gateway.vault.save({ ...installed, bot: { ...installed.bot, expiresAt: Math.floor(Date.now() / 1000) + 3600 } })
    await post()
    expect(slack.refreshes()).toMatchObject([{ refreshToken: grant.botRefreshToken, ok: true }])
    expect(slack.posts().at(-1)).toMatchObject({ token: slack.refreshes()[0]?.token, channel: 'C0E2E' })
  })

  it('after app_uninstalled the installation is gone, and the handler posts nothing', async () => {
    await send('/slack/events', JSON.stringify(eventEnvelope({ team_id: 'T0E2E', event_id: 'EvE2EUninstall', event: { type: 'app_uninstalled' } })))
    expect(await t.installation('team:T0E2E')).toBeUndefined()
    await post()
    expect(slack.posts()).toHaveLength(2)
    const audit = await readAll(t.gateway.stores.audit)
    expect(audit.filter((r) => r.source === 'vault').map((r) => [r.type, r.verdict, r.target])).toEqual([
      ['token_refresh', 'refreshed', 'team:T0E2E'],
      ['app_uninstalled', 'installation_deleted', 'team:T0E2E'],
    ])
    expect(audit.filter((r) => r.kind === 'delivery').map((r) => r.verdict)).toEqual(['delivered', 'delivered', 'dead'])
    expect(audit.filter((r) => r.kind === 'delivery').at(-1)?.outcome).toContain('installation_not_found')
  })
})

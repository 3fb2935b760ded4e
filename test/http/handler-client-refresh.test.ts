import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'
import { rotatingInstallation } from '../helpers/rotating-installation.js'

// Token rotation in a real gateway: refreshed by the background sweep the workers start,
// and on use by a handler's client; a token that can be neither used nor refreshed fails
// the handler's call with token_refresh_failed.
const SRC = new URL('../../src/index.js', import.meta.url).pathname
let t: TestApp | undefined
let slack: FakeSlackApi | undefined

afterEach(async () => {
  await t?.close()
  await slack?.close()
})

async function gateway(fake: FakeSlackApi, workers: boolean): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-refresh-'))
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { defineHandlers } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.command('/post', async ({ say }) => void (await say('hello')))
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack:
  apiUrl: "${fake.url}"
  clientId: "${FAKE_CLIENT_ID}"
  clientSecret: { ref: env:CLIENT_SECRET }
  tokenRotation: { sweepIntervalSeconds: 10 }
vault:
  masterKey: { ref: env:MASTER }
routes:
  - { name: post, match: { command: /post }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 1 } }
`,
  )
  return testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers, env: { CLIENT_SECRET: FAKE_CLIENT_SECRET, MASTER: randomBytes(32).toString('base64') } })
}

describe('token rotation in the gateway', () => {
  it('the sweep started with the workers refreshes an installation due, and only that one', async () => {
    slack = await startFakeSlackApi()
    t = await gateway(slack, false)
    const due = slack.issueRotating()
    const later = slack.issueRotating()
    await t.gateway.vault.save(rotatingInstallation('T1', due, 3600))
    await t.gateway.vault.save(rotatingInstallation('T2', later, 40_000))
    expect(slack.refreshes()).toEqual([])
    t.gateway.startWorkers()
    await waitFor(async () => (await t?.gateway.vault.get('team:T1'))?.bot?.token !== due.token)
    expect(slack.refreshes().map((r) => r.refreshToken)).toEqual([due.refreshToken])
    expect((await t.gateway.vault.get('team:T1'))?.bot?.token).toBe(slack.refreshes()[0]?.token)
    expect((await t.gateway.vault.get('team:T2'))?.bot?.token).toBe(later.token)
  })

  it('a handler whose expired token cannot be refreshed fails with token_refresh_failed, audited, and posts nothing', async () => {
    slack = await startFakeSlackApi()
    t = await gateway(slack, false)
    slack.setRefresh({ fail: '500' })
    await t.gateway.vault.save(rotatingInstallation('T3', slack.issueRotating(), -5))
    t.gateway.startWorkers()
    const body = form({ ...commandFields, command: '/post', team_id: 'T3' })
    expect((await t.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: 'application/x-www-form-urlencoded' }), payload: body })).statusCode).toBe(200)
    await waitForQueueIdle(() => (t as TestApp).gateway.stores.queue.counts())
    expect(slack.posts()).toEqual([])
    const audit = await readAll(t.gateway.stores.audit)
    expect(audit.filter((r) => r.type === 'token_refresh').map((r) => [r.verdict, r.reason])).toContainEqual(['refresh_failed', 'token_refresh_failed'])
    const delivery = audit.find((r) => r.kind === 'delivery')
    expect(delivery).toMatchObject({ verdict: 'dead' })
    expect(delivery?.outcome).toContain('token_refresh_failed')
  }, 20_000)
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { eventEnvelope, slackHeaders } from '../helpers/signing.js'

// The app's own message reaching a route that answers messages would make it answer itself,
// and again: slack.ignoreSelf (on by default, as Bolt's ignoreSelf) acks it and runs nothing.

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

async function start(extra = ''): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-own-'))
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `${extra}routes:
  - { name: messages, match: { event: message }, forward: { url: "http://127.0.0.1:9/messages" }, public: true }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data') })
  return t
}

const ownMessage = JSON.stringify(
  eventEnvelope({
    event_id: 'Ev0OWN1',
    authorizations: [{ team_id: 'T0001', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel: 'C0001', channel_type: 'channel', user: 'U0BOT', bot_id: 'B0001', app_id: 'A0001', text: 'Deployed billing', ts: '1.1' },
  }),
)
const send = (app: TestApp, body: string) => app.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })

describe('the app’s own events', () => {
  it('are acked and run nothing, logged unrouted with own_event and recorded', async () => {
    const app = await start()
    const res = await send(app, ownMessage)
    expect(res.statusCode).toBe(200)
    expect(app.requestLogs()).toEqual([expect.objectContaining({ status: 200, verdict: 'unrouted', reason: 'own_event', kind: 'event' })])
    expect(await app.gateway.stores.queue.counts()).toEqual({ queued: 0, active: 0, dead: 0 })
    const records = await app.gateway.stores.audit.read({ limit: 10 })
    expect(records).toEqual([expect.objectContaining({ verdict: 'unrouted', reason: 'own_event', userId: 'U0BOT' })])
    // A person's message on the same route is queued as ever.
    const theirs = JSON.stringify(eventEnvelope({ event_id: 'Ev0THEIRS', event: { type: 'message', channel: 'C0001', user: 'U0001', text: 'deploy billing', ts: '1.2' } }))
    expect((await send(app, theirs)).statusCode).toBe(200)
    expect(app.requestLogs().at(-1)).toMatchObject({ verdict: 'accepted', slackRoute: 'messages' })
  })

  it('are routed like any event with slack.ignoreSelf: false', async () => {
    const app = await start('slack:\n  ignoreSelf: false\n')
    expect((await send(app, ownMessage)).statusCode).toBe(200)
    expect(app.requestLogs()).toEqual([expect.objectContaining({ verdict: 'accepted', slackRoute: 'messages' })])
  })
})

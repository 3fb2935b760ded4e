import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, eventEnvelope, form, slackHeaders } from '../helpers/signing.js'

const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-dm-'))
  // allowDirectMessages is left at its default (false). No workers: what is accepted is queued only.
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `routes:
  - name: mentions
    match: { event: app_mention }
    forward: { url: "http://127.0.0.1:9/" }
    access:
      rules:
        - { name: anywhere, workspaces: [T0001] }
        - { name: legacy-room, channels: [G0LEGACY] }
  - name: deploy
    match: { command: /deploy }
    forward: { url: "http://127.0.0.1:9/" }
    access: { rules: [{ name: anywhere, workspaces: [T0001] }] }
  - name: approve
    match: { action: approve }
    forward: { url: "http://127.0.0.1:9/" }
    access: { rules: [{ name: anywhere, workspaces: [T0001] }] }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data') })
})
afterAll(async () => {
  await t.close()
})

let n = 0
function mention(channel: string) {
  const body = JSON.stringify(eventEnvelope({ event_id: `EvDm${n++}`, event: { type: 'app_mention', user: 'U0001', channel, text: '<@U0BOT> deploy' } }))
  return t.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })
}
function command(fields: Record<string, string>) {
  const body = form({ ...commandFields, trigger_id: `t${n++}`, ...fields })
  return t.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}
function button(channel: Record<string, string>) {
  const payload = { type: 'block_actions', team: { id: 'T0001' }, user: { id: 'U0001' }, channel, actions: [{ action_id: 'approve' }], trigger_id: `t${n++}` }
  const body = form({ payload: JSON.stringify(payload) })
  return t.app.inject({ method: 'POST', url: '/slack/interactions', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}

describe('direct messages under allowDirectMessages: false, over HTTP', () => {
  it.each([
    ['an app_mention in a group DM (G id, no channel_type)', () => mention('G0MPIM01')],
    ['an app_mention in a DM (D id)', () => mention('D0DM0001')],
    ['a command in a group DM (mpdm-… name)', () => command({ channel_id: 'G0MPIM01', channel_name: 'mpdm-ann--bob--cat-1' })],
    ['a command in a group DM with a C id (mpdm-… name)', () => command({ channel_id: 'C0MPIM02', channel_name: 'mpdm-ann--bob--cat-1' })],
    ['a button in a group DM (mpdm-… name)', () => button({ id: 'G0MPIM01', name: 'mpdm-ann--bob--cat-1' })],
  ])('refuses %s: 200, not queued, direct_message_not_allowed', async (_name, send) => {
    const res = await send()
    expect(res.statusCode).toBe(200)
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 200, verdict: 'denied', reason: 'direct_message_not_allowed', rule: 'anywhere' })
  })

  it.each([
    ['an app_mention in a channel', () => mention('C0000001'), 'anywhere'],
    ['an app_mention in an old private channel a rule names (G id)', () => mention('G0LEGACY'), 'legacy-room'],
    ['a command in an old private channel Slack names (G id)', () => command({ channel_id: 'G0PRIV01', channel_name: 'payroll' }), 'anywhere'],
  ])('accepts %s', async (_name, send, rule) => {
    const res = await send()
    expect(res.statusCode).toBe(200)
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 200, verdict: 'accepted', rule })
  })
})

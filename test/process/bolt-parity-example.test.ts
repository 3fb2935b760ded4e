import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { startGateway, type RunningGateway } from '../helpers/cli.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { queueCountsOf, scrapeMetrics, waitForQueueIdle } from '../helpers/queue-idle.js'
import { SECRET, slackHeaders } from '../helpers/signing.js'

// examples/bolt-parity as its README runs it: the built gateway, the example's own config and
// handler module, signed requests over real HTTP, and the handlers' Slack calls going to a
// local fake Web API (the only edit to the config is slack.apiUrl, and the data directory).

const example = fileURLToPath(new URL('../../examples/bolt-parity/', import.meta.url))
const TEAM = 'T0000000001'
const CHANNEL = 'C0000000001'
const USER = 'U0000000001'

let gateway: RunningGateway
let slack: FakeSlackApi

beforeAll(async () => {
  slack = await startFakeSlackApi()
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bolt-parity-'))
  const original = readFileSync(join(example, 'slackgate.yaml'), 'utf8')
  const yaml = original
    .replace('apiUrl: https://slack.com/api', `apiUrl: "${slack.url}"`)
    .replaceAll('./handlers.ts', join(example, 'handlers.ts'))
    .replace('dataDir: ../../data', `dataDir: ${join(dir, 'data')}`)
  // Each edit must have applied: the test would otherwise run against another config.
  expect(yaml).toContain(slack.url)
  expect(yaml).not.toContain('../../data')
  writeFileSync(join(dir, 'slackgate.yaml'), yaml)
  gateway = await startGateway('start', {
    cwd: dir,
    args: ['--config', join(dir, 'slackgate.yaml')],
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: slack.token, HOST: '127.0.0.1' },
  })
}, 30_000)

afterAll(async () => {
  await gateway?.stop('SIGKILL')
  await slack?.close()
})

interface Sent {
  readonly status: number
  readonly body: string
}

/** Signs `body` as Slack does, now, and posts it to `path`. */
async function send(path: string, body: string, contentType: string): Promise<Sent> {
  const headers = slackHeaders(body, { timestamp: Math.floor(Date.now() / 1000), contentType })
  const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers, body })
  return { status: res.status, body: await res.text() }
}

const interaction = (payload: Record<string, unknown>) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
const who = { team: { id: TEAM, domain: 'example' }, user: { id: USER, team_id: TEAM }, api_app_id: 'A0000000001', token: 'unused' }

function command(text: string): string {
  return new URLSearchParams({
    token: 'unused',
    team_id: TEAM,
    channel_id: CHANNEL,
    channel_name: 'help-desk',
    user_id: USER,
    command: '/ticket',
    text,
    api_app_id: 'A0000000001',
    response_url: `https://hooks.slack.com/commands/${TEAM}/1/${randomBytes(8).toString('hex')}`,
    trigger_id: `1.2.${randomBytes(8).toString('hex')}`,
  }).toString()
}

function event(inner: Record<string, unknown>): string {
  return JSON.stringify({
    type: 'event_callback',
    team_id: TEAM,
    api_app_id: 'A0000000001',
    event_id: `Ev${randomBytes(6).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { user: USER, channel: CHANNEL, ts: `${Date.now() / 1000}`, ...inner },
  })
}

/** A submission of the example's modal, as Slack sends it, with what the person entered. */
function submission(title: string, team?: string): string {
  return interaction({
    type: 'view_submission',
    ...who,
    trigger_id: `1.2.${randomBytes(8).toString('hex')}`,
    view: {
      id: `V${randomBytes(5).toString('hex').toUpperCase()}`,
      type: 'modal',
      callback_id: 'new_ticket',
      private_metadata: CHANNEL,
      blocks: [
        { type: 'input', block_id: 'title', element: { type: 'plain_text_input', action_id: 'title_input' } },
        { type: 'input', block_id: 'team', optional: true, element: { type: 'external_select', action_id: 'pick_team' } },
      ],
      state: {
        values: {
          title: { title_input: { type: 'plain_text_input', value: title } },
          team: { pick_team: { type: 'external_select', selected_option: team === undefined ? null : { value: team, text: { type: 'plain_text', text: team } } } },
        },
      },
    },
  })
}

function suggestion(typed: string): string {
  return interaction({ type: 'block_suggestion', ...who, action_id: 'pick_team', block_id: 'team', value: typed, container: { type: 'view', view_id: 'V0000000001' } })
}

function click(actionId: string, blockId: string): string {
  return interaction({
    type: 'block_actions',
    ...who,
    trigger_id: `1.2.${randomBytes(8).toString('hex')}`,
    channel: { id: CHANNEL, name: 'help-desk' },
    container: { type: 'message', channel_id: CHANNEL, message_ts: '1.000100' },
    response_url: `https://hooks.slack.com/actions/${TEAM}/1/${randomBytes(8).toString('hex')}`,
    actions: [{ type: 'button', action_id: actionId, block_id: blockId, action_ts: '1', text: { type: 'plain_text', text: 'x' } }],
  })
}

const FORM = 'application/x-www-form-urlencoded'
const posted = (pattern: RegExp) => slack.posts().filter((p) => p.channel === CHANNEL && pattern.test(p.text ?? ''))
const idle = () => waitForQueueIdle(async () => queueCountsOf(await scrapeMetrics(gateway.url)), 15_000)

describe('examples/bolt-parity (the Bolt app moved over, run as its README runs it)', () => {
  it('the slash command answers in its 200, then its follow-up posts the ticket; a duplicate gets the same answer and posts nothing more', async () => {
    const body = command('printer on fire')
    const first = await send('/slack/commands', body, FORM)
    expect(first.status).toBe(200)
    expect(JSON.parse(first.body)).toEqual({ response_type: 'ephemeral', text: 'Filing "printer on fire"…' })

    await waitFor(() => posted(/printer on fire/).length === 1, 15_000)
    expect(posted(/printer on fire/)[0]?.text).toMatch(new RegExp(`^Ticket \\d+ from <@${USER}>: printer on fire$`))
    expect(slack.posts().find((p) => /printer on fire/.test(p.text ?? ''))?.token).toBe(slack.token)

    // Slack's retry of the same request: the kept answer, and the handler does not run again.
    const again = await send('/slack/commands', body, FORM)
    expect(again).toEqual(first)
    await idle()
    expect(posted(/printer on fire/)).toHaveLength(1)
  })

  it('a modal submission with invalid input gets errors under the field and queues nothing; a valid one clears and is posted', async () => {
    const invalid = await send('/slack/interactions', submission('vpn'), FORM)
    expect(invalid.status).toBe(200)
    expect(JSON.parse(invalid.body)).toEqual({ response_action: 'errors', errors: { title: 'Say a little more: at least 5 characters.' } })

    const valid = await send('/slack/interactions', submission('VPN drops every hour', 'identity'), FORM)
    expect(valid.status).toBe(200)
    expect(JSON.parse(valid.body)).toEqual({ response_action: 'clear' })

    await waitFor(() => posted(/VPN drops every hour/).length === 1, 15_000)
    expect(posted(/VPN drops every hour/)[0]?.text).toMatch(new RegExp(`^Ticket \\d+ from <@${USER}> for identity: VPN drops every hour$`))
    await idle()
    expect(posted(/: vpn$/)).toEqual([])
  })

  it("the external select's options are answered in the ack, filtered by what was typed", async () => {
    const labels = async (typed: string) => {
      const res = await send('/slack/interactions', suggestion(typed), FORM)
      expect(res.status).toBe(200)
      const answer = JSON.parse(res.body) as { options: Array<{ text: { type: string; text: string }; value: string }> }
      return answer.options.map((o) => `${o.value}:${o.text.text}`)
    }
    expect(await labels('pay')).toEqual(['payments:Payments'])
    expect(await labels('ACCESS')).toEqual(['identity:Identity and access'])
    expect(await labels('')).toEqual(['billing:Billing', 'identity:Identity and access', 'infra:Infrastructure', 'payments:Payments'])
    expect(await labels('nothing like it')).toEqual([])
  })

  it('a message matching the route pattern is delivered; one that does not is unrouted and runs nothing', async () => {
    const matching = await send('/slack/events', event({ type: 'message', channel_type: 'channel', text: 'deploy billing' }), 'application/json')
    expect(matching.status).toBe(200)
    await waitFor(() => posted(/^Deploying billing:/).length === 1, 15_000)

    const before = gateway.output().match(/"verdict":"unrouted"/g)?.length ?? 0
    const other = await send('/slack/events', event({ type: 'message', channel_type: 'channel', text: 'please deploy payments' }), 'application/json')
    expect(other.status).toBe(200)
    await waitFor(() => (gateway.output().match(/"verdict":"unrouted"/g)?.length ?? 0) === before + 1, 15_000)
    await idle()
    expect(posted(/^Deploying payments/)).toEqual([])
  })

  it('a button is routed by its exact action_id first, and any other button of a ticket by the block_id pattern', async () => {
    expect((await send('/slack/interactions', click('take_ticket', 'ticket_42'), FORM)).status).toBe(200)
    await waitFor(() => posted(new RegExp(`^<@${USER}> took ticket 42\\.$`)).length === 1, 15_000)

    // close_ticket sits in the same block: its exact action_id wins over the block's pattern.
    expect((await send('/slack/interactions', click('close_ticket', 'ticket_42'), FORM)).status).toBe(200)
    await waitFor(() => posted(new RegExp(`^Ticket 42 closed by <@${USER}>\\.$`)).length === 1, 15_000)
    await idle()
    expect(posted(/took ticket 42/)).toHaveLength(1)
  })

  it('the migration guide shows the example as it is: its config and handler module, byte for byte', () => {
    const guide = readFileSync(new URL('../../docs/migrating-from-bolt.md', import.meta.url), 'utf8')
    for (const file of ['slackgate.yaml', 'handlers.ts']) {
      const shown = new RegExp(`<!-- examples/bolt-parity/${file.replace('.', '\\.')} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n`).exec(guide)?.[1]
      expect(shown, file).toBe(readFileSync(join(example, file), 'utf8'))
    }
  })

  it('an app_mention is answered in its channel', async () => {
    expect((await send('/slack/events', event({ type: 'app_mention', text: '<@U0BOT00001> help' }), 'application/json')).status).toBe(200)
    await waitFor(() => posted(/^Run \/ticket to file a ticket/).length === 1, 15_000)
  })
})

import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { REDIS_URL, redisAvailable, redisClient } from '../helpers/redis.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'

// Answers in the ack through the real gateway: a route's `ack` runs before the 200 within its
// deadline, its answer is checked and sent (or the fallback, and why), duplicates get the same
// answer without anything running again, and the follow-up is queued only when the answer stands.
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
let dir: string
let seq = 0

/** Lines a handler appended to runs.log: what ran, and how often. */
const runs = (): string[] => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n') : [])

function interaction(payload: Record<string, unknown>, timestamp = NOW) {
  const body = form({ payload: JSON.stringify({ team: { id: 'T0001' }, user: { id: 'U0001' }, api_app_id: 'A0001', ...payload }) })
  return { body, headers: slackHeaders(body, { contentType: FORM, timestamp }) }
}

async function post(url: string, request: { body: string; headers: Record<string, string> }) {
  const started = performance.now()
  const res = await t.app.inject({ method: 'POST', url, headers: request.headers, payload: request.body })
  return { res, ms: performance.now() - started }
}

/** A modal submission of `callbackId` with the title typed into its input block. */
function submission(callbackId: string, title: string) {
  return interaction({
    type: 'view_submission',
    trigger_id: `trig.${++seq}`,
    view: {
      id: `V${seq}`,
      callback_id: callbackId,
      blocks: [{ type: 'input', block_id: 'title_block', label: { type: 'plain_text', text: 'Title' }, element: { type: 'plain_text_input', action_id: 'title' } }],
      state: { values: { title_block: { title: { type: 'plain_text_input', value: title } } } },
    },
  })
}

async function requestRecords() {
  return (await readAll(t.gateway.stores.audit)).filter((r) => r.kind === 'request')
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-ack-'))
  const log = JSON.stringify(join(dir, 'runs.log'))
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { appendFileSync } from 'node:fs'
import { defineHandlers } from ${JSON.stringify(SRC)}
const ran = (what: string) => appendFileSync(${log}, what + '\\n')
const titleOf = (view: any) => String(view?.state?.values?.title_block?.title?.value ?? '')
export default defineHandlers((gateway) => {
  gateway.view('new_ticket', {
    ack: ({ view }) => {
      const title = titleOf(view)
      ran('ack:' + title)
      return title.length < 5 ? { response_action: 'errors', errors: { title_block: 'At least 5 characters' } } : { response_action: 'clear' }
    },
    handler: async ({ view }) => ran('follow-up:' + titleOf(view)),
  })
  gateway.view('slow_modal', {
    ack: async ({ signal }) => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      ran('slow-ack-finished:' + signal.aborted)
      return { response_action: 'clear' }
    },
    handler: async () => ran('slow-follow-up'),
  })
  gateway.view('throwing_modal', { ack: () => { throw new Error('the ticket system is down') } })
  gateway.view('invalid_modal', { ack: () => ({ response_action: 'close_everything' }) })
  gateway.options('assignee', ({ options }) => ({
    options: ['ada', 'alan', 'grace'].filter((n) => n.startsWith(String(options?.value ?? ''))).map((n) => ({ text: { type: 'plain_text', text: n }, value: n })),
  }))
  gateway.command('/ticket', { ack: ({ command }) => 'Opening a ticket for ' + command?.text, handler: async () => ran('command-follow-up') })
  gateway.message(/^deploy (\\w+)$/, async ({ message }) => ran('message:' + message?.text))
  gateway.action({ block_id: /^ticket-\\d+$/ }, async ({ action }) => ran('action:' + action?.block_id))
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `routes:
  - { name: new-ticket, match: { view: new_ticket }, handler: ./handlers.ts, ack: handler, public: true }
  - { name: slow-modal, match: { view: slow_modal }, handler: ./handlers.ts, ack: { deadlineMs: 300, fallbackMessage: "Still working: try again in a minute." }, public: true }
  - { name: throwing-modal, match: { view: throwing_modal }, handler: ./handlers.ts, ack: handler, public: true }
  - { name: invalid-modal, match: { view: invalid_modal }, handler: ./handlers.ts, ack: handler, public: true }
  - { name: assignee, match: { options: assignee }, handler: ./handlers.ts, public: true }
  - { name: ticket, match: { command: /ticket }, handler: ./handlers.ts, ack: handler, access: { rules: [{ name: ticketers, users: [U0001] }] } }
  - { name: deploy-message, match: { message: { pattern: "^deploy (\\\\w+)$" } }, handler: ./handlers.ts, public: true }
  - { name: ticket-buttons, match: { block: { pattern: "^ticket-\\\\d+$" } }, handler: ./handlers.ts, public: true }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true })
})

afterAll(async () => {
  await t?.close()
})

describe('answers in the ack', () => {
  it('a modal submission with invalid input gets response_action errors within the deadline, and queues nothing', async () => {
    const { res, ms } = await post('/slack/interactions', submission('new_ticket', 'abc'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ response_action: 'errors', errors: { title_block: 'At least 5 characters' } })
    expect(ms).toBeLessThan(2500)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs().filter((r) => r.startsWith('follow-up'))).toEqual([])
    const record = (await requestRecords()).at(-1)
    expect(record).toMatchObject({ verdict: 'answered', route: 'new-ticket' })
    expect(record?.reason ?? undefined).toBeUndefined()
  })

  it('a valid one gets clear and queues its follow-up once; a replay and a Slack retry answer the same without running anything again', async () => {
    const first = submission('new_ticket', 'Printer on fire')
    const { res } = await post('/slack/interactions', first)
    expect(res.json()).toEqual({ response_action: 'clear' })
    // The same body again (a replay), and re-signed later (a retry): the same answer, from the store.
    const replay = await post('/slack/interactions', first)
    const retried = await post('/slack/interactions', { body: first.body, headers: slackHeaders(first.body, { contentType: FORM, timestamp: NOW - 3 }) })
    expect([replay.res.statusCode, replay.res.json(), retried.res.json()]).toEqual([200, { response_action: 'clear' }, { response_action: 'clear' }])
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs().filter((r) => r.endsWith('Printer on fire'))).toEqual(['ack:Printer on fire', 'follow-up:Printer on fire'])
    const records = (await requestRecords()).filter((r) => r.route === 'new-ticket').slice(-3)
    expect(records.map((r) => r.verdict)).toEqual(['accepted', 'duplicate', 'duplicate'])
  })

  it('a handler that sleeps past the deadline: a valid, timely fallback, an audit record saying it was late, and no follow-up', async () => {
    const { res, ms } = await post('/slack/interactions', submission('slow_modal', 'anything'))
    expect(ms).toBeLessThan(900)
    expect(res.json()).toEqual({ response_action: 'errors', errors: { title_block: 'Still working: try again in a minute.' } })
    expect((await requestRecords()).at(-1)).toMatchObject({ verdict: 'answered', reason: 'ack_late', route: 'slow-modal' })
    // It finishes on its own, told by its signal; what it returns then is dropped.
    await new Promise((resolve) => setTimeout(resolve, 900))
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs()).toContain('slow-ack-finished:true')
    expect(runs()).not.toContain('slow-follow-up')
  })

  it('a handler that throws, or answers what Slack would refuse, gets the fallback and the reason', async () => {
    const thrown = await post('/slack/interactions', submission('throwing_modal', 'x'))
    expect(thrown.res.json()).toEqual({ response_action: 'errors', errors: { title_block: 'Something went wrong. Please try again.' } })
    expect((await requestRecords()).at(-1)).toMatchObject({ verdict: 'answered', reason: 'ack_failed' })
    // The error's message stays in the log, redacted, never in the answer.
    expect(thrown.res.body).not.toContain('ticket system')

    const invalid = await post('/slack/interactions', submission('invalid_modal', 'x'))
    expect(invalid.res.json()).toMatchObject({ response_action: 'errors' })
    expect((await requestRecords()).at(-1)).toMatchObject({ verdict: 'answered', reason: 'ack_invalid' })
  })

  it('a view_closed of a modal whose module only answers in the ack is delivered as nothing to run, not a dead letter', async () => {
    const closed = interaction({ type: 'view_closed', view: { id: `V${++seq}`, callback_id: 'invalid_modal' } })
    expect((await post('/slack/interactions', closed)).res.statusCode).toBe(200)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(await t.gateway.stores.queue.list({ state: 'dead' })).toEqual([])
  })

  it('an external select gets its options, filtered by what was typed', async () => {
    const { res } = await post('/slack/interactions', interaction({ type: 'block_suggestion', action_id: 'assignee', block_id: 'who', value: 'a' }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      options: [
        { text: { type: 'plain_text', text: 'ada' }, value: 'ada' },
        { text: { type: 'plain_text', text: 'alan' }, value: 'alan' },
      ],
    })
    expect((await requestRecords()).at(-1)).toMatchObject({ verdict: 'answered', route: 'assignee', type: 'assignee' })
  })

  it('a slash command gets its immediate reply, and its follow-up runs; the access rule still applies first', async () => {
    const body = form({ ...commandFields, command: '/ticket', text: 'printer', trigger_id: `cmd.${++seq}` })
    const { res } = await post('/slack/commands', { body, headers: slackHeaders(body, { contentType: FORM }) })
    expect(res.json()).toEqual({ text: 'Opening a ticket for printer' })
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs()).toContain('command-follow-up')

    const stranger = form({ ...commandFields, command: '/ticket', user_id: 'U0666', trigger_id: `cmd.${++seq}` })
    const refused = await post('/slack/commands', { body: stranger, headers: slackHeaders(stranger, { contentType: FORM }) })
    expect(refused.res.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('not allowed') })
  })
})

describe('matching like Bolt', () => {
  const message = (text: string) => {
    const body = JSON.stringify(eventEnvelope({ event_id: `EvMSG${++seq}`, event: { type: 'message', user: 'U0001', channel: 'C0001', text } }))
    return { body, headers: slackHeaders(body) }
  }

  it('a message matching the route pattern reaches its handler; one that does not is unrouted', async () => {
    expect((await post('/slack/events', message('deploy billing'))).res.statusCode).toBe(200)
    expect((await post('/slack/events', message('please deploy billing now'))).res.statusCode).toBe(200)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs().filter((r) => r.startsWith('message:'))).toEqual(['message:deploy billing'])
    expect((await requestRecords()).at(-1)).toMatchObject({ verdict: 'unrouted' })
  })

  it('a block action is routed by its block_id pattern', async () => {
    const action = interaction({ type: 'block_actions', trigger_id: `act.${++seq}`, actions: [{ action_id: 'close', block_id: 'ticket-42', type: 'button' }] })
    expect((await post('/slack/interactions', action)).res.statusCode).toBe(200)
    const other = interaction({ type: 'block_actions', trigger_id: `act.${++seq}`, actions: [{ action_id: 'close', block_id: 'ticket-x', type: 'button' }] })
    expect((await post('/slack/interactions', other)).res.statusCode).toBe(200)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(runs().filter((r) => r.startsWith('action:'))).toEqual(['action:ticket-42'])
  })
})

describe.skipIf(!redisAvailable)('answers in the ack across instances (Redis)', () => {
  it('a replay taken by another instance gets the first instance’s answer, and the ack ran once', async () => {
    const namespace = `ack-${randomBytes(4).toString('hex')}`
    const shared = mkdtempSync(join(tmpdir(), 'slackgate-ack-redis-'))
    writeFileSync(join(shared, 'slackgate.yaml'), `namespace: ${namespace}
queue: { store: "${REDIS_URL}", redisPersistence: volatile }
replay: { store: "${REDIS_URL}" }
routes:
  - { name: new-ticket, match: { view: new_ticket }, handler: ${JSON.stringify(join(dir, 'handlers.ts'))}, ack: handler, public: true }
`)
    const a = await testApp({ file: join(shared, 'slackgate.yaml'), dataDir: join(shared, 'a') })
    const b = await testApp({ file: join(shared, 'slackgate.yaml'), dataDir: join(shared, 'b') })
    const redis = redisClient()
    try {
      const request = submission('new_ticket', 'Two instances')
      const first = await a.app.inject({ method: 'POST', url: '/slack/interactions', headers: request.headers, payload: request.body })
      const replay = await b.app.inject({ method: 'POST', url: '/slack/interactions', headers: request.headers, payload: request.body })
      expect([first.json(), replay.json()]).toEqual([{ response_action: 'clear' }, { response_action: 'clear' }])
      expect(runs().filter((r) => r === 'ack:Two instances')).toHaveLength(1)
      // The answer is kept under the deployment's namespace, beside its replay keys.
      expect(await redis.keys(`${namespace}:ack:*`)).toHaveLength(1)
    } finally {
      await a.close()
      await b.close()
      const keys = await redis.keys(`${namespace}*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    }
  })
})

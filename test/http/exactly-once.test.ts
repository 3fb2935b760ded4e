import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { deliveryAttemptsOf, injectMetrics, waitForQueueIdle, type DeliveryAttempts } from '../helpers/queue-idle.js'

const FORM = 'application/x-www-form-urlencoded'
const SRC = new URL('../../src/index.js', import.meta.url).pathname

let dir: string
let sink: Sink
let t: TestApp
const slackCalls: Array<{ url: string; body: unknown }> = []

/** Stands in for hooks.slack.com; anything else goes to the real network (the local sink). */
const fakeSlackFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input)
  if (url.startsWith('https://hooks.slack.com/')) {
    slackCalls.push({ url, body: JSON.parse(String(init?.body)) })
    return new Response('ok', { status: 200 })
  }
  return fetch(input, init)
}

function handlerRuns(): Array<Record<string, unknown>> {
  const file = join(dir, 'runs.jsonl')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : []
}

async function start(extraRoutes = ''): Promise<TestApp> {
  return testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), fetch: fakeSlackFetch, workers: true, env: { EXTRA: extraRoutes } })
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-once-'))
  sink = await startSink()
  slackCalls.length = 0
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { appendFileSync } from 'node:fs'
import { defineHandlers, PermanentError } from ${JSON.stringify(SRC)}
const log = (entry: object) => appendFileSync(${JSON.stringify(join(dir, 'runs.jsonl'))}, JSON.stringify(entry) + '\\n')
export default defineHandlers((gateway) => {
  gateway.command('/deploy', async ({ request, job, respond }) => {
    log({ kind: request.kind, command: request.command, text: request.text, user: request.context.userId, job: job.id, attempt: job.attempt })
    await respond({ text: 'Deploying ' + request.text, response_type: 'ephemeral' })
  })
  gateway.action('approve', async ({ request, job }) => {
    log({ kind: request.kind, actions: request.actionIds, job: job.id, attempt: job.attempt })
    if (job.attempt < 2) throw new Error('flaky downstream')
  })
  gateway.action('reject', async () => {
    throw new PermanentError('never works')
  })
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `routes:
  - name: deploy
    match: { command: /deploy }
    public: true
    handler: ./handlers.ts
  - name: approve
    match: { action: approve }
    public: true
    handler: ./handlers.ts
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 40 }
  - name: reject
    match: { action: reject }
    public: true
    handler: ./handlers.ts
  - name: mentions
    match: { event: app_mention }
    public: true
    forward: { url: ${sink.url}, timeoutMs: 2000 }
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 40 }
`,
  )
  t = await start()
})

afterEach(async () => {
  await t?.close()
  await sink.close()
})

function post(url: string, body: string, headers: Record<string, string>) {
  return t.app.inject({ method: 'POST', url, payload: body, headers })
}

/**
 * Waits until the gateway's queue has nothing left to deliver (retries waiting out their
 * back-off included), then answers its delivery attempts by outcome, from /metrics: what
 * was delivered is then all that will ever be.
 */
async function settled(): Promise<DeliveryAttempts> {
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
  return deliveryAttemptsOf(await injectMetrics(t.app))
}

const event = JSON.stringify(eventEnvelope({ event_id: 'EvONCE1' }))
const command = form({ ...commandFields, trigger_id: '111.222.once' })
const action = (id: string, trigger: string) =>
  form({ payload: JSON.stringify({ type: 'block_actions', team: { id: 'T0001' }, user: { id: 'U0001' }, trigger_id: trigger, actions: [{ action_id: id }] }) })

describe('exactly once', () => {
  it('the same signed request sent twice runs once and is acked twice', async () => {
    const headers = slackHeaders(event)
    const first = await post('/slack/events', event, headers)
    const second = await post('/slack/events', event, headers)
    expect([first.statusCode, second.statusCode]).toEqual([200, 200])
    expect(t.requestLogs().map((l) => [l.verdict, l.reason])).toEqual([
      ['accepted', undefined],
      ['duplicate', 'duplicate'],
    ])
    expect(await settled()).toEqual({ delivered: 1 })
    expect(sink.received).toHaveLength(1)
  })

  it('a Slack retry (new timestamp and signature, same event_id, X-Slack-Retry-Num) runs once', async () => {
    expect((await post('/slack/events', event, slackHeaders(event))).statusCode).toBe(200)
    const retry = await post('/slack/events', event, { ...slackHeaders(event, { timestamp: NOW + 60 }), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
    expect(retry.statusCode).toBe(200)
    expect(t.requestLogs()[1]).toMatchObject({ verdict: 'duplicate', reason: 'duplicate', slackRetryNum: 1, slackRoute: 'mentions' })
    expect(await settled()).toEqual({ delivered: 1 })
    expect(sink.received).toHaveLength(1)
  })

  it('a command resent with the same trigger_id but a new signature runs once', async () => {
    await post('/slack/commands', command, slackHeaders(command, { contentType: FORM }))
    const again = await post('/slack/commands', command, slackHeaders(command, { contentType: FORM, timestamp: NOW + 5 }))
    expect(again.statusCode).toBe(200)
    expect(t.requestLogs()[1]).toMatchObject({ verdict: 'duplicate' })
    expect(await settled()).toEqual({ delivered: 1 })
    expect(handlerRuns()).toHaveLength(1)
  })

  it('a request replayed after a restart of the embedded gateway is still a duplicate', async () => {
    const headers = slackHeaders(event)
    expect((await post('/slack/events', event, headers)).statusCode).toBe(200)
    expect(await settled()).toEqual({ delivered: 1 })
    await t.close()
    t = await start()
    const replay = await post('/slack/events', event, headers)
    expect(replay.statusCode).toBe(200)
    expect(t.requestLogs()).toEqual([expect.objectContaining({ verdict: 'duplicate' })])
    expect(await settled()).toEqual({})
    expect(sink.received).toHaveLength(1)
  })

  it('a request that matches no route is acked and logged as unrouted, and not run', async () => {
    const other = JSON.stringify(eventEnvelope({ event_id: 'EvNOROUTE', event: { type: 'reaction_added', user: 'U1' } }))
    const res = await post('/slack/events', other, slackHeaders(other))
    expect(res.statusCode).toBe(200)
    expect(t.requestLogs()[0]).toMatchObject({ verdict: 'unrouted', reason: 'unrouted' })
  })

  it('url_verification and ssl_check are never dispatched', async () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc', token: 'x' })
    await post('/slack/events', challenge, slackHeaders(challenge))
    const ssl = form({ ssl_check: '1', token: 'x', command: '/deploy' })
    await post('/slack/commands', ssl, slackHeaders(ssl, { contentType: FORM }))
    expect(await settled()).toEqual({})
    expect(sink.received).toHaveLength(0)
    expect(handlerRuns()).toHaveLength(0)
  })
})

describe('delivery', () => {
  it('an SDK handler gets the typed request, and respond() posts to its response_url', async () => {
    const res = await post('/slack/commands', command, slackHeaders(command, { contentType: FORM }))
    const jobId = t.requestLogs()[0]?.jobId
    expect(res.statusCode).toBe(200)
    await waitFor(() => handlerRuns().length === 1 && slackCalls.length === 1)
    expect(handlerRuns()[0]).toEqual({ kind: 'command', command: '/deploy', text: 'prod', user: 'U0001', job: jobId, attempt: 1 })
    expect(slackCalls[0]).toEqual({ url: commandFields.response_url, body: { text: 'Deploying prod', response_type: 'ephemeral' } })
  })

  it('a handler that throws is retried with the same job id until it succeeds', async () => {
    const body = action('approve', 'tr.approve.1')
    await post('/slack/interactions', body, slackHeaders(body, { contentType: FORM }))
    expect(await settled()).toEqual({ retrying: 1, delivered: 1 })
    const [a, b, ...more] = handlerRuns()
    expect([a?.attempt, b?.attempt]).toEqual([1, 2])
    expect(a?.job).toBe(b?.job)
    expect(more).toEqual([])
  })

  it('a PermanentError sends the job straight to the dead letters', async () => {
    const body = action('reject', 'tr.reject.1')
    await post('/slack/interactions', body, slackHeaders(body, { contentType: FORM }))
    expect(await settled()).toEqual({ dead: 1 })
    const [dead] = await t.gateway.stores.queue.list({ state: 'dead' })
    expect(dead).toMatchObject({ route: 'reject', attempts: 1, lastError: 'PermanentError: never works' })
  })

  it('forwards the normalised request as JSON with its job id, and retries a 503', async () => {
    sink.status = (n) => (n === 1 ? 503 : 200)
    await post('/slack/events', event, slackHeaders(event))
    expect(await settled()).toEqual({ retrying: 1, delivered: 1 })
    expect(sink.received).toHaveLength(2)
    const [first, second] = sink.received
    expect(first?.headers['x-slackgate-job-id']).toBe(second?.headers['x-slackgate-job-id'])
    expect([first?.headers['x-slackgate-attempt'], second?.headers['x-slackgate-attempt']]).toEqual(['1', '2'])
    expect(second?.headers['content-type']).toBe('application/json')
    expect(second?.body).toMatchObject({
      jobId: first?.headers['x-slackgate-job-id'],
      route: 'mentions',
      attempt: 2,
      requestId: expect.any(String),
      receivedAt: expect.any(Number),
      request: { kind: 'event', type: 'app_mention', eventId: 'EvONCE1', context: { teamId: 'T0001', userId: 'U0001', channelId: 'C0001' } },
    })
  })

  it('a 4xx from the service is permanent: one attempt, then a dead letter', async () => {
    sink.status = () => 400
    await post('/slack/events', event, slackHeaders(event))
    expect(await settled()).toEqual({ dead: 1 })
    expect(sink.received).toHaveLength(1)
    const [dead] = await t.gateway.stores.queue.list({ state: 'dead' })
    expect(dead?.lastError).toMatch(/^HTTP 400 from 127\.0\.0\.1:\d+$/)
  })
})

describe('fail closed', () => {
  it('answers 503 and dispatches nothing when the embedded database is gone', async () => {
    await t.gateway.stores.close()
    const res = await post('/slack/events', event, slackHeaders(event))
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ error: 'replay_store_unavailable' })
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(sink.received).toHaveLength(0)
  })
})

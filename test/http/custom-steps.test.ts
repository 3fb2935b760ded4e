import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { startFakeSlackApi, type FakeCompletion, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { stepEvent } from '../helpers/step-event.js'
import { REDIS_URL, redisAvailable, redisClient } from '../helpers/redis.js'

// Workflow Builder custom steps through the real gateway: each step runs once and is
// finished once, by the gateway, with Slack's (fake) functions.completeSuccess/completeError.
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'
const RETRY = 'retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }'

let t: TestApp
let slack: FakeSlackApi
let sink: Sink
let dir: string
let seq = 0

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A running step at the fake, and the signed event that starts it. */
function step(callbackId: string, options: { inputs?: Record<string, unknown>; teamId?: string; eventTime?: number } = {}) {
  const executionId = `Fx${++seq}${randomBytes(3).toString('hex').toUpperCase()}`
  const { token } = slack.startStep(executionId)
  const body = JSON.stringify(stepEvent({ callbackId, executionId, token, eventId: `EvSTEP${seq}`, ...options }))
  return { executionId, token, body }
}

async function send(body: string, headers = slackHeaders(body)) {
  return t.app.inject({ method: 'POST', url: '/slack/events', headers, payload: body })
}

const completionsOf = (executionId: string): FakeCompletion[] => slack.completions().filter((c) => c.executionId === executionId)

async function finished(executionId: string): Promise<FakeCompletion[]> {
  await waitFor(() => completionsOf(executionId).some((c) => c.ok || c.slackError === 'execution_not_in_running_state'), 10_000)
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
  return completionsOf(executionId)
}

async function stepRecords(executionId: string) {
  return (await readAll(t.gateway.stores.audit)).filter((r) => r.kind === 'step' && r.subject === executionId)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-steps-'))
  slack = await startFakeSlackApi()
  sink = await startSink()
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { defineHandlers, PermanentError } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.function('approve_expense', async ({ inputs, client }) => {
    await client.chat.postMessage({ channel: 'C0001', text: 'ran for ' + inputs.amount })
    return { approved: Number(inputs.amount) < 100 }
  })
  gateway.function('always_throws', async () => {
    throw new Error('the ledger is down')
  })
  gateway.function('says_no', async ({ fail }) => {
    fail('Expenses over 1000 need a director')
  })
  gateway.function('gives_up', async () => {
    throw new PermanentError('no such cost centre')
  })
  gateway.function('waits_for_click', async ({ keepOpen }) => {
    keepOpen()
  })
  gateway.action('approve_button', async ({ complete }) => {
    complete({ approved: true })
  })
  gateway.function('bad_outputs', async () => ({ approved: 'yes' }))
  gateway.function('team_only', async () => ({}))
  gateway.function('slow_retry', async () => {
    throw new Error('try later')
  })
  gateway.function('never_answers', () => new Promise(() => {}))
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `slack:
  apiUrl: "${slack.url}"
routes:
  - name: approve
    match: { function: approve_expense }
    handler: ./handlers.ts
    public: true
    ${RETRY}
    audit: { storePayload: true }
    step:
      inputs: { type: object, properties: { amount: { type: number } }, required: [amount] }
      outputs: { type: object, properties: { approved: { type: boolean } }, required: [approved] }
  - { name: boom, match: { function: always_throws }, handler: ./handlers.ts, public: true, ${RETRY}, step: { errorMessage: "The ledger could not be reached." } }
  - { name: says-no, match: { function: says_no }, handler: ./handlers.ts, public: true, ${RETRY} }
  - { name: gives-up, match: { function: gives_up }, handler: ./handlers.ts, public: true, ${RETRY} }
  - { name: waits, match: { function: waits_for_click }, handler: ./handlers.ts, public: true, ${RETRY} }
  - { name: click, match: { action: approve_button }, handler: ./handlers.ts, public: true, ${RETRY} }
  - name: bad-outputs
    match: { function: bad_outputs }
    handler: ./handlers.ts
    public: true
    ${RETRY}
    step: { outputs: { type: object, properties: { approved: { type: boolean } }, required: [approved] } }
  - name: team-only
    match: { function: team_only }
    handler: ./handlers.ts
    access: { rules: [{ name: first-team, workspaces: [T0001] }] }
    ${RETRY}
  - { name: slow-retry, match: { function: slow_retry }, handler: ./handlers.ts, public: true, retry: { maxAttempts: 5, baseDelayMs: 60000 } }
  - { name: hangs, match: { function: never_answers }, handler: ./handlers.ts, public: true, ${RETRY}, step: { errorMessage: "The step took too long." } }
  - { name: forwarded, match: { function: forwarded_step }, forward: { url: "${sink.url}" }, public: true, ${RETRY} }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true })
})

afterAll(async () => {
  await t?.close()
  await slack?.close()
  await sink?.close()
})

describe('custom steps: run once, finished once by the gateway', () => {
  it('a step delivered three times (original, replay, Slack retry with a new signature) runs once and completes once with its outputs', async () => {
    const { executionId, token, body } = step('approve_expense', { inputs: { amount: 42 } })
    const first = await send(body)
    const replay = await send(body)
    const retry = await send(body, { ...slackHeaders(body, { timestamp: NOW - 5 }), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })
    expect([first.statusCode, replay.statusCode, retry.statusCode]).toEqual([200, 200, 200])

    const completions = await finished(executionId)
    expect(completions).toEqual([expect.objectContaining({ method: 'functions.completeSuccess', outputs: { approved: true }, ok: true })])
    // The handler ran once, and its client called Slack with the step's own token.
    expect(slack.posts().filter((p) => p.token === token)).toEqual([expect.objectContaining({ text: 'ran for 42' })])
    const verdicts = t.requestLogs().filter((l) => l.kind === 'function_executed' && l.jobId !== undefined)
    expect(verdicts.length).toBeGreaterThanOrEqual(1)
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'completed', target: 'functions.completeSuccess', route: 'approve', type: 'approve_expense' })])
  })

  it('a step Slack sends again under a new event_id is still the same execution: run once', async () => {
    const { executionId, token } = step('approve_expense', { inputs: { amount: 7 } })
    for (const eventId of ['EvAGAIN1', 'EvAGAIN2']) {
      const body = JSON.stringify(stepEvent({ callbackId: 'approve_expense', executionId, token, eventId, inputs: { amount: 7 } }))
      expect((await send(body)).statusCode).toBe(200)
    }
    expect(await finished(executionId)).toHaveLength(1)
    expect(slack.posts().filter((p) => p.token === token)).toHaveLength(1)
  })

  it('a handler that throws until its attempts run out ends in exactly one completeError, with the route message', async () => {
    const { executionId, body } = step('always_throws')
    expect((await send(body)).statusCode).toBe(200)
    const completions = await finished(executionId)
    expect(completions).toEqual([expect.objectContaining({ method: 'functions.completeError', error: 'The ledger could not be reached.', ok: true })])
    expect(await t.gateway.stores.queue.list({ state: 'dead' })).toContainEqual(expect.objectContaining({ route: 'boom', attempts: 2 }))
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'failed', target: 'functions.completeError', attempt: 2 })])
  })

  it('a PermanentError fails the step at once; fail() sends its own message', async () => {
    const permanent = step('gives_up')
    const polite = step('says_no')
    await send(permanent.body)
    await send(polite.body)
    expect(await finished(permanent.executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(await finished(polite.executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', error: 'Expenses over 1000 need a director', ok: true })])
    // A step the handler failed on purpose is a finished job, not a dead letter.
    const dead = await t.gateway.stores.queue.list({ state: 'dead' })
    expect(dead.filter((j) => j.route === 'says-no')).toEqual([])
    expect(dead.filter((j) => j.route === 'gives-up')).toHaveLength(1)
  })

  it('inputs that fail step.inputs complete the step with an error at once, naming the field, and run nothing', async () => {
    const { executionId, token, body } = step('approve_expense', { inputs: { amount: 'lots' } })
    expect((await send(body)).statusCode).toBe(200)
    const completions = await finished(executionId)
    expect(completions).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(completions[0]?.error).toMatch(/^The step's inputs are invalid: inputs\/amount must be number/)
    expect(slack.posts().filter((p) => p.token === token)).toEqual([])
    const request = (await readAll(t.gateway.stores.audit)).find((r) => r.kind === 'request' && r.nonceKeys?.includes(`function:${executionId}`))
    expect(request).toMatchObject({ verdict: 'rejected', reason: 'invalid_step_inputs', route: 'approve' })
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'failed', reason: 'invalid_step_inputs' })])
  })

  it('a step refused by policy is still finished, with the refusal, so the workflow does not hang', async () => {
    const allowed = step('team_only')
    const refused = step('team_only', { teamId: 'T0009' })
    await send(allowed.body)
    await send(refused.body)
    expect(await finished(allowed.executionId)).toEqual([expect.objectContaining({ method: 'functions.completeSuccess', ok: true })])
    const completions = await finished(refused.executionId)
    expect(completions).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(completions[0]?.error).toMatch(/not allowed/)
    const request = (await readAll(t.gateway.stores.audit)).find((r) => r.kind === 'request' && r.nonceKeys?.includes(`function:${refused.executionId}`))
    expect(request).toMatchObject({ verdict: 'denied', reason: 'workspace_not_allowed', route: 'team-only' })
  })

  it('a step no route takes is failed too, telling the person to ask the owner', async () => {
    const { executionId, body } = step('nobody_routes_this')
    expect((await send(body)).statusCode).toBe(200)
    const completions = await finished(executionId)
    expect(completions).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(completions[0]?.error).toMatch(/not set up on the app's gateway/)
    const request = (await readAll(t.gateway.stores.audit)).find((r) => r.kind === 'request' && r.nonceKeys?.includes(`function:${executionId}`))
    expect(request).toMatchObject({ verdict: 'unrouted', reason: 'unrouted', route: '(unrouted step)' })
  })

  it('outputs that fail step.outputs fail the step instead (invalid_step_outputs)', async () => {
    const { executionId, body } = step('bad_outputs')
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'failed', reason: 'invalid_step_outputs' })])
    const dead = await t.gateway.stores.queue.list({ state: 'dead' })
    expect(dead.find((j) => j.route === 'bad-outputs')?.lastError).toMatch(/^invalid_step_outputs: outputs\/approved must be boolean/)
  })

  it('a step kept open is completed by the button its message carried', async () => {
    const { executionId, token, body } = step('waits_for_click')
    await send(body)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(completionsOf(executionId)).toEqual([])

    const payload = JSON.stringify({
      type: 'block_actions',
      team: { id: 'T0001' },
      user: { id: 'U0001' },
      channel: { id: 'C0001' },
      trigger_id: `tr.step.${seq}`,
      actions: [{ action_id: 'approve_button', block_id: 'b1' }],
      function_data: { execution_id: executionId, function: { callback_id: 'waits_for_click' }, inputs: {} },
      bot_access_token: token,
    })
    const click = form({ payload })
    const res = await t.app.inject({ method: 'POST', url: '/slack/interactions', headers: slackHeaders(click, { contentType: FORM }), payload: click })
    expect(res.statusCode).toBe(200)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeSuccess', outputs: { approved: true }, ok: true })])
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'completed', route: 'click', type: 'block_actions' })])
  })

  it('a step Slack had already finished is done, not an error (execution_not_in_running_state)', async () => {
    const { executionId, body } = step('says_no')
    // Finished elsewhere before the gateway gets to it (an operator, or an earlier process).
    slack.failNextCompletions(1, { error: 'execution_not_in_running_state' })
    await send(body)
    await finished(executionId)
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'already_completed' })])
    expect((await t.gateway.stores.queue.list({ state: 'dead' })).filter((j) => j.route === 'says-no')).toEqual([])
  })

  it('a 429 from Slack is honoured: the completion is sent again after Retry-After', async () => {
    const { executionId, body } = step('approve_expense', { inputs: { amount: 1 } })
    slack.failNextCompletions(1, { status: 429, retryAfterSeconds: 1 })
    await send(body)
    const completions = await finished(executionId)
    expect(completions.map((c) => [c.ok, c.slackError])).toEqual([
      [false, 'ratelimited'],
      [true, undefined],
    ])
    const [limited, done] = completions as [FakeCompletion, FakeCompletion]
    expect(done.at - limited.at).toBeGreaterThanOrEqual(1000)
  })

  it('a step whose token would expire before its next retry could run is failed now (step_token_expired)', async () => {
    // The token has about 60 s left; the route's next retry is up to 60 s away.
    const { executionId, body } = step('slow_retry', { eventTime: nowSeconds() - 15 * 60 + 60 })
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'failed', reason: 'step_token_expired', attempt: 1 })])
  })

  it('a handler that never answers is abandoned before the token expires, and the step failed (step_token_expired)', async () => {
    // 32 s left: the attempt starts (30 s of runway), and the handler has until 20 s before expiry.
    const started = Date.now()
    const { executionId, body } = step('never_answers', { eventTime: nowSeconds() - 15 * 60 + 32 })
    await send(body)
    await waitFor(() => completionsOf(executionId).length > 0, 20_000)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', error: 'The step took too long.', ok: true })])
    expect(Date.now() - started).toBeGreaterThan(9_000)
    await waitFor(async () => (await stepRecords(executionId)).length > 0, 10_000)
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'failed', reason: 'step_token_expired', attempt: 1 })])
    expect(await t.gateway.stores.queue.list({ state: 'dead' })).toContainEqual(expect.objectContaining({ route: 'hangs', lastError: expect.stringContaining('step_token_expired: the handler had not answered') }))
  }, 30_000)

  it('a step whose token has already expired cannot be finished: recorded as not completed', async () => {
    const { executionId, body } = step('approve_expense', { inputs: { amount: 1 }, eventTime: nowSeconds() - 16 * 60 })
    await send(body)
    await waitFor(async () => (await stepRecords(executionId)).length > 0, 10_000)
    expect(completionsOf(executionId)).toEqual([])
    expect(await stepRecords(executionId)).toEqual([expect.objectContaining({ verdict: 'not_completed', reason: 'step_token_expired' })])
  })

  it('counts every finish by route and result in slackgate_step_completions_total, as the audit log records it', async () => {
    const { executionId, body } = step('always_throws')
    await send(body)
    await finished(executionId)
    await waitFor(async () => (await stepRecords(executionId)).length > 0, 10_000)
    const records = (await readAll(t.gateway.stores.audit)).filter((r) => r.kind === 'step')
    const text = await t.gateway.metrics.render()
    const counted = (route: string, result: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`slackgate_step_completions_total{route="${route}",result="${result}"}`))
      return line === undefined ? 0 : Number(line.split(' ').at(-1))
    }
    for (const [route, result] of [['boom', 'failed'], ['approve', 'completed'], ['approve', 'not_completed']] as const) {
      expect(counted(route, result)).toBe(records.filter((r) => r.route === route && r.verdict === result).length)
      expect(counted(route, result)).toBeGreaterThan(0)
    }
  })
})

describe('custom steps forwarded to a service', () => {
  it('the service answers {"outputs": …}: the gateway completes the step; the service never sees the token', async () => {
    sink.status = () => 200
    sink.answer = () => ({ outputs: { ticket: 'INC-7' } })
    const { executionId, token, body } = step('forwarded_step')
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeSuccess', outputs: { ticket: 'INC-7' }, ok: true })])
    const forwarded = sink.received.filter((r) => r.raw.includes(executionId))
    expect(forwarded).toHaveLength(1)
    expect(forwarded[0]?.body).toMatchObject({ route: 'forwarded', request: { kind: 'function_executed', callbackId: 'forwarded_step', functionExecutionId: executionId } })
    expect(JSON.stringify(forwarded)).not.toContain(token)
  })

  it('the service answers {"error": …}: the step fails with that message', async () => {
    sink.answer = () => ({ error: 'No budget left' })
    const { executionId, body } = step('forwarded_step')
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', error: 'No budget left', ok: true })])
  })

  it('a service that answers 5xx until the attempts run out ends in exactly one completeError', async () => {
    sink.status = () => 503
    sink.answer = () => undefined
    const { executionId, body } = step('forwarded_step')
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    expect(sink.received.filter((r) => r.raw.includes(executionId))).toHaveLength(2)
    sink.status = () => 200
  })

  it('an answer that is not the contract fails the step for good', async () => {
    sink.answer = () => ({ outputs: 'yes' })
    const { executionId, body } = step('forwarded_step')
    await send(body)
    expect(await finished(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeError', ok: true })])
    const dead = await t.gateway.stores.queue.list({ state: 'dead' })
    expect(dead.map((j) => j.lastError)).toContainEqual(expect.stringContaining(`the service's answer to the step: "outputs" is not an object`))
    sink.answer = () => undefined
  })
})

describe('a step whose token does not open', () => {
  it('is a dead letter with step_token_unreadable: the step-token key was replaced while its job waited', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'slackgate-steps-key-'))
    const config = join(dir, 'slackgate.yaml')
    const { executionId, body } = step('approve_expense', { inputs: { amount: 3 } })
    const taking = await testApp({ file: config, dataDir: keyDir })
    expect((await taking.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })).statusCode).toBe(200)
    await taking.close()
    // Lost with a data directory restored from a backup without it, say.
    writeFileSync(join(keyDir, 'step-token-key'), `${randomBytes(32).toString('base64')}\n`)
    const running = await testApp({ file: config, dataDir: keyDir, workers: true })
    try {
      await waitForQueueIdle(() => running.gateway.stores.queue.counts())
      const [dead] = await running.gateway.stores.queue.list({ state: 'dead' })
      expect(dead?.lastError).toMatch(/^step_token_unreadable: the token of step Fx\w+ does not open/)
      const logged = running.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.executionId === executionId)
      expect(logged).toMatchObject({ reason: 'step_token_unreadable', msg: 'step token does not open' })
      expect(completionsOf(executionId)).toEqual([])
    } finally {
      await running.close()
    }
  })
})

describe('outputs that cannot be sent', () => {
  it('end the job (step_completion_failed) instead of running the handler again', async () => {
    const bigDir = mkdtempSync(join(tmpdir(), 'slackgate-steps-big-'))
    writeFileSync(join(bigDir, 'handlers.ts'), `import { defineHandlers } from ${JSON.stringify(SRC)}\nlet runs = 0\nexport default defineHandlers((gateway) => {\n  gateway.function('big_number', async () => ({ total: 10n, runs: ++runs }))\n})\n`)
    writeFileSync(
      join(bigDir, 'slackgate.yaml'),
      `slack: { apiUrl: "${slack.url}" }\nroutes:\n  - { name: big, match: { function: big_number }, handler: ./handlers.ts, public: true, ${RETRY} }\n`,
    )
    const big = await testApp({ file: join(bigDir, 'slackgate.yaml'), dataDir: join(bigDir, 'data'), workers: true })
    try {
      const { executionId, body } = step('big_number')
      expect((await big.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })).statusCode).toBe(200)
      await waitForQueueIdle(() => big.gateway.stores.queue.counts())
      const [dead] = await big.gateway.stores.queue.list({ state: 'dead' })
      expect(dead).toMatchObject({ attempts: 1 })
      expect(dead?.lastError).toMatch(/^step_completion_failed: TypeError/)
      expect(completionsOf(executionId)).toEqual([])
      const records = (await readAll(big.gateway.stores.audit)).filter((r) => r.kind === 'step')
      expect(records).toEqual([expect.objectContaining({ verdict: 'not_completed', reason: 'step_completion_failed' })])
    } finally {
      await big.close()
    }
  })
})

describe.skipIf(!redisAvailable)('custom steps on a shared Redis queue', () => {
  it('a step taken by one instance is run and completed by another: both derive the step-token key from vault.masterKey', async () => {
    const namespace = `steps-${randomBytes(4).toString('hex')}`
    const shared = mkdtempSync(join(tmpdir(), 'slackgate-steps-redis-'))
    writeFileSync(join(shared, 'handlers.ts'), `import { defineHandlers } from ${JSON.stringify(SRC)}\nexport default defineHandlers((gateway) => {\n  gateway.function('shared_step', async ({ inputs }) => ({ doubled: Number(inputs.amount) * 2 }))\n})\n`)
    writeFileSync(
      join(shared, 'slackgate.yaml'),
      `slack: { apiUrl: "${slack.url}" }
namespace: ${namespace}
queue: { store: "${REDIS_URL}", redisPersistence: volatile }
replay: { store: "${REDIS_URL}" }
vault: { masterKey: { ref: env:MASTER } }
routes:
  - { name: shared, match: { function: shared_step }, handler: ./handlers.ts, public: true, ${RETRY} }
`,
    )
    const env = { MASTER: randomBytes(32).toString('base64') }
    const taking = await testApp({ file: join(shared, 'slackgate.yaml'), dataDir: join(shared, 'a'), env })
    const running = await testApp({ file: join(shared, 'slackgate.yaml'), dataDir: join(shared, 'b'), env, workers: true })
    const redis = redisClient()
    try {
      const { executionId, token, body } = step('shared_step', { inputs: { amount: 21 } })
      expect((await taking.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })).statusCode).toBe(200)
      await waitFor(() => completionsOf(executionId).length > 0, 10_000)
      expect(completionsOf(executionId)).toEqual([expect.objectContaining({ method: 'functions.completeSuccess', outputs: { doubled: 42 }, ok: true })])
      // Neither data directory holds a key of its own: the key came from the master key.
      expect(existsSync(join(shared, 'a', 'step-token-key')) || existsSync(join(shared, 'b', 'step-token-key'))).toBe(false)
      const keys = await redis.keys(`${namespace}*`)
      expect(keys.length).toBeGreaterThan(0)
      // Values as Redis serves them (a DUMP may be compressed, and would hide a match).
      for (const key of keys) {
        const type = await redis.type(key)
        const value = type === 'hash' ? await redis.hgetall(key) : type === 'string' ? await redis.get(key) : type === 'list' ? await redis.lrange(key, 0, -1) : type === 'zset' ? await redis.zrange(key, 0, -1) : type
        expect(JSON.stringify(value)).not.toContain(token)
      }
    } finally {
      await taking.close()
      await running.close()
      const keys = await redis.keys(`${namespace}*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    }
  })
})

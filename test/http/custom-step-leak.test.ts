import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { REDIS_URL, redisAvailable, redisClient } from '../helpers/redis.js'
import { form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { stepEvent } from '../helpers/step-event.js'

// The leak scan of custom steps: the `bot_access_token` Slack hands each step (and each
// interaction from a message the step posted) is sealed into the job and used only to call
// Slack. It appears in no log line, audit record, metric, response, forwarded request, CLI
// output, SQLite file or Redis key, across handlers that post and return, throw (after a Web
// API call that failed, then after one that worked), forward
// (answered or failing), a 429 from completion, replays and retries, a stored payload, an
// interaction that completes its step, and a job still queued while it is scanned.
const SRC = new URL('../../src/index.js', import.meta.url).pathname
const FORM = 'application/x-www-form-urlencoded'
const RETRY = '{ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }'
const GATE = Symbol.for('slackgate-test.custom-step-leak.gate')

/** A step's token no other test uses, its distinctive middle part, and a marker of its inputs. */
interface Step {
  readonly what: string
  readonly executionId: string
  readonly token: string
  readonly middle: string
  readonly marker: string
}

function newStep(n: number, what: string): Step {
  const random = randomBytes(12).toString('hex')
  const middle = `LEAKSCAN-${n}-${random}`
  return { what, executionId: `FxLEAK${n}${random.slice(0, 8)}`, token: `xwfp-${middle}`, middle, marker: `leakscan-input-${n}-${random.slice(8)}` }
}

/** The `function_executed` event that starts step `s`, as Slack sends it. */
const event = (s: Step, callbackId: string) =>
  JSON.stringify(stepEvent({ callbackId, executionId: s.executionId, token: s.token, eventId: `EvLEAK${s.executionId}`, inputs: { marker: s.marker } }))

/** Holds the slow step's handler until released: its job stays live while the stores are scanned. */
interface Gate {
  readonly entered: Promise<void>
  enter(): Promise<void>
  release(): void
}

function openGate(): Gate {
  let entered!: () => void
  let release!: () => void
  const enteredP = new Promise<void>((r) => (entered = r))
  const released = new Promise<void>((r) => (release = r))
  const gate: Gate = {
    entered: enteredP,
    enter: () => {
      entered()
      return released
    },
    release: () => release(),
  }
  ;(globalThis as Record<symbol, unknown>)[GATE] = gate
  return gate
}

/** The step handlers of both variants, in a module of their own like an operator's. */
function writeHandlers(dir: string): void {
  writeFileSync(
    join(dir, 'steps.ts'),
    `import { defineHandlers } from ${JSON.stringify(SRC)}
const gate = () => globalThis[Symbol.for('slackgate-test.custom-step-leak.gate')]
export default defineHandlers((gateway) => {
  gateway.function('leak_post', async ({ inputs, client }) => {
    await client.chat.postMessage({ channel: 'C0001', text: 'step says ' + String(inputs.marker) })
    return { posted: true }
  })
  gateway.function('leak_throw', async ({ client, job }) => {
    await client.chat.postMessage({ channel: 'C0001', text: 'attempt ' + job.attempt })
    throw new Error('the step handler failed on purpose')
  })
  gateway.function('leak_stored', async () => ({ stored: true }))
  gateway.function('leak_ask', async ({ client, keepOpen }) => {
    await client.chat.postMessage({ channel: 'C0001', text: 'approve?', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'leak_approve', text: { type: 'plain_text', text: 'Approve' } }] }] })
    keepOpen()
  })
  gateway.action('leak_approve', async ({ complete }) => {
    complete({ approved: true })
  })
  gateway.function('leak_slow', async () => {
    await gate()?.enter()
    return { slow: true }
  })
})
`,
  )
}

/** Where in `text` (what it is called: `where`) any step's token, or its middle part, shows. */
function leaksIn(where: string, text: string | Buffer, steps: readonly Step[]): string[] {
  const found: string[] = []
  for (const s of steps) {
    for (const needle of [s.token, s.middle]) if (text.includes(needle)) found.push(`${s.what}'s token (${needle === s.token ? 'whole' : 'middle part'}) in ${where}`)
  }
  return found
}

/**
 * Every file of a data directory (the SQLite database, its -wal and -shm), as bytes, by name.
 * Copied by another process first: closing a descriptor of the database file in this process
 * would drop the gateway's POSIX locks on it (https://sqlite.org/howtocorrupt.html, 2.2), and
 * the CLI's next close would then take the write-ahead log for its own and delete it.
 */
function dataFiles(dataDir: string): Array<[string, Buffer]> {
  const copy = join(mkdtempSync(join(tmpdir(), 'slackgate-step-leak-copy-')), 'data')
  const cp = spawnSync('cp', ['-R', '--', dataDir, copy], { encoding: 'utf8' })
  if (cp.status !== 0) throw new Error(`cp of the data directory failed: ${cp.stderr}`)
  return readdirSync(copy, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => [relative(copy, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name))])
}

/** Every key under `prefix` and what it holds, read by its type. */
async function dumpRedis(redis: Redis, prefix: string): Promise<Array<[string, string]>> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  const out: Array<[string, string]> = []
  for (const key of keys) {
    const type = await redis.type(key)
    let value: unknown
    if (type === 'string') value = await redis.get(key)
    else if (type === 'hash') value = await redis.hgetall(key)
    else if (type === 'list') value = await redis.lrange(key, 0, -1)
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
    else if (type === 'set') value = await redis.smembers(key)
    else if (type === 'stream') value = await redis.xrange(key, '-', '+')
    else value = (await redis.dumpBuffer(key))?.toString('latin1')
    out.push([key, `${type} ${JSON.stringify(value)}`])
  }
  return out
}

describe('custom steps, embedded default: no step token leaks', () => {
  let t: TestApp
  let slack: FakeSlackApi
  let okService: Sink
  let failingService: Sink
  let dir: string
  let dataDir: string
  const steps: Step[] = []
  const responses: string[] = []
  const cli: string[] = []
  /** The data directory's bytes while the slow step's job was live, and after everything settled. */
  const live: Array<[string, Buffer]> = []
  const settled: Array<[string, Buffer]> = []
  /** Each scenario's step, by a short name. */
  const named = new Map<string, Step>()
  const step = (name: string, what: string) => {
    const s = newStep(steps.length + 1, what)
    steps.push(s)
    named.set(name, s)
    slack.startStep(s.executionId, { token: s.token })
    return s
  }

  async function send(url: string, payload: string, headers: Record<string, string>) {
    const res = await t.app.inject({ method: 'POST', url, headers, payload })
    responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
    return res
  }
  const runStep = async (s: Step, callbackId: string) => {
    const body = event(s, callbackId)
    expect((await send('/slack/events', body, slackHeaders(body))).statusCode).toBe(200)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
  }
  const jobsList = (label: string) => {
    for (const format of [[], ['--json']]) {
      const list = runCli(['jobs', 'list', ...format, '--config', join(dir, 'slackgate.yaml')], { env: { SLACKGATE_DATA_DIR: dataDir } })
      expect(list.status, `${label}: ${list.stderr}`).toBe(0)
      cli.push(list.stdout, list.stderr)
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slackgate-step-leak-'))
    dataDir = join(dir, 'data')
    slack = await startFakeSlackApi()
    okService = await startSink()
    okService.answer = () => ({ outputs: { ticket: 'OPS-7' } })
    failingService = await startSink()
    failingService.status = () => 500
    writeHandlers(dir)
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      `slack: { apiUrl: "${slack.url}" }
routes:
  - { name: post, match: { function: leak_post }, handler: ./steps.ts, public: true, retry: ${RETRY} }
  - { name: throws, match: { function: leak_throw }, handler: ./steps.ts, public: true, retry: ${RETRY} }
  - { name: forwarded, match: { function: leak_forward }, forward: { url: "${okService.url}" }, public: true, retry: ${RETRY} }
  - { name: forward-fails, match: { function: leak_forward_fails }, forward: { url: "${failingService.url}" }, public: true, retry: ${RETRY} }
  - { name: stored, match: { function: leak_stored }, handler: ./steps.ts, public: true, retry: ${RETRY}, audit: { storePayload: true } }
  - { name: ask, match: { function: leak_ask }, handler: ./steps.ts, public: true, retry: ${RETRY} }
  - { name: approve, match: { action: leak_approve }, handler: ./steps.ts, public: true, retry: ${RETRY} }
  - { name: slow, match: { function: leak_slow }, handler: ./steps.ts, public: true, retry: ${RETRY} }
`,
    )
    t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir, workers: true, logLevel: 'debug' })

    await runStep(step('post', 'the posting step'), 'leak_post')
    // Its first attempt fails in the Web API call (a 500), the second after it.
    slack.failNextPost({ status: 500 })
    await runStep(step('thrown', 'the throwing step'), 'leak_throw')
    await runStep(step('forwarded', 'the forwarded step'), 'leak_forward')
    await runStep(step('forwardFails', 'the step whose service fails'), 'leak_forward_fails')
    slack.failNextCompletions(1, { status: 429, retryAfterSeconds: 1 })
    const limited = step('limited', 'the step whose completion was rate limited')
    await runStep(limited, 'leak_post')
    await waitFor(() => slack.completions().some((c) => c.executionId === limited.executionId && c.ok), 8000)

    // Replayed as is, then retried by Slack (same event, a new signature and timestamp).
    const dup = step('dup', 'the replayed step')
    const body = event(dup, 'leak_post')
    const headers = slackHeaders(body)
    for (const h of [headers, headers, { ...slackHeaders(body, { timestamp: NOW + 1 }), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }]) {
      expect((await send('/slack/events', body, h)).statusCode).toBe(200)
    }
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())

    await runStep(step('stored', 'the step whose payload is stored'), 'leak_stored')

    // A step that posts a button and stays open; the click's interaction completes it.
    const ask = step('ask', 'the step an interaction completes')
    await runStep(ask, 'leak_ask')
    const click = step('click', "the interaction's own token")
    slack.startStep(ask.executionId, { token: click.token })
    const interaction = form({
      payload: JSON.stringify({
        type: 'block_actions',
        team: { id: 'T0001' },
        user: { id: 'U0001' },
        channel: { id: 'C0001' },
        trigger_id: `tr-${click.marker}`,
        actions: [{ action_id: 'leak_approve', block_id: 'b1', value: click.marker }],
        function_data: { execution_id: ask.executionId, inputs: { marker: ask.marker }, function: { callback_id: 'leak_ask' } },
        bot_access_token: click.token,
      }),
    })
    expect((await send('/slack/interactions', interaction, slackHeaders(interaction, { contentType: FORM }))).statusCode).toBe(200)
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())

    // A job still live while the data directory and the CLI's view of it are read.
    const gate = openGate()
    const slow = step('slow', 'the step whose job is live while scanned')
    const slowBody = event(slow, 'leak_slow')
    expect((await send('/slack/events', slowBody, slackHeaders(slowBody))).statusCode).toBe(200)
    await gate.entered
    // A job delivered from memory has its attempt written by the next batch.
    await waitFor(async () => (await t.gateway.stores.queue.list({ state: 'active' })).length === 1)
    live.push(...dataFiles(dataDir))
    jobsList('while a job is live')
    gate.release()
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    await waitFor(() => slack.completions().some((c) => c.executionId === slow.executionId && c.ok))
    jobsList('once every job settled')
    settled.push(...dataFiles(dataDir))
  }, 60_000)

  afterAll(async () => {
    await t?.close()
    await Promise.all([slack?.close(), okService?.close(), failingService?.close()])
  })

  it('the run produced what is scanned, and every step was finished by the gateway', async () => {
    const of = (name: string) => named.get(name) as Step
    const completions = (name: string) => slack.completions().filter((c) => c.executionId === of(name).executionId)
    const byStep = (name: string) => completions(name).map((c) => [c.method, c.ok])
    expect(byStep('post')).toEqual([['functions.completeSuccess', true]])
    expect(byStep('thrown')).toEqual([['functions.completeError', true]])
    expect(byStep('forwarded')).toEqual([['functions.completeSuccess', true]])
    expect(completions('forwarded')[0]?.outputs).toEqual({ ticket: 'OPS-7' })
    expect(byStep('forwardFails')).toEqual([['functions.completeError', true]])
    expect(byStep('limited')).toEqual([
      ['functions.completeSuccess', false],
      ['functions.completeSuccess', true],
    ])
    expect(byStep('dup')).toEqual([['functions.completeSuccess', true]])
    expect(byStep('stored')).toEqual([['functions.completeSuccess', true]])
    expect(byStep('ask')).toEqual([['functions.completeSuccess', true]])
    expect(completions('ask')[0]?.outputs).toEqual({ approved: true })
    // The handlers' client called Slack with their steps' tokens.
    expect(slack.posts().map((p) => p.token)).toEqual(expect.arrayContaining([of('post').token, of('ask').token]))
    expect(slack.posts().filter((p) => p.token === of('thrown').token)).toHaveLength(2)
    expect(t.lines.some((l) => l.includes('"slackRoute":"throws","attempt":1') && l.includes('WebAPIHTTPError'))).toBe(true)
    expect(okService.received).toHaveLength(1)
    expect(failingService.received).toHaveLength(2)

    const audit = await readAll(t.gateway.stores.audit)
    const storedRecord = audit.find((r) => r.kind === 'request' && r.payload?.includes(of('stored').marker))
    expect(storedRecord?.payload).toContain(of('stored').executionId)
    expect(audit.filter((r) => r.verdict === 'duplicate')).toHaveLength(2)
    expect(audit.filter((r) => r.kind === 'step').length).toBeGreaterThanOrEqual(steps.length - 1)
  })

  it('the scan finds what is there: the tokens did reach Slack, and the live job was in the files it read', () => {
    const authorizations = slack.calls().map((c) => c.authorization ?? '').join('\n')
    for (const s of steps) expect(leaksIn('the calls to Slack', authorizations, [s]), s.what).not.toEqual([])
    const slow = named.get('slow') as Step
    expect(live.some(([, bytes]) => bytes.includes(slow.marker) && bytes.includes(slow.executionId)), 'the live job row').toBe(true)
    expect(live.map(([file]) => file)).toEqual(expect.arrayContaining(['slackgate.db', 'slackgate.db-wal']))
  })

  it('in no log line', () => {
    expect(t.lines.length).toBeGreaterThan(steps.length)
    expect(leaksIn('the log', t.lines.join('\n'), steps)).toEqual([])
  })

  it('in no audit record', async () => {
    expect(leaksIn('the audit log', JSON.stringify(await readAll(t.gateway.stores.audit)), steps)).toEqual([])
  })

  it('in no metric', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('slackgate_')
    expect(leaksIn('/metrics', res.body, steps)).toEqual([])
  })

  it('in no response', () => {
    expect(responses.length).toBeGreaterThan(steps.length)
    expect(leaksIn('a response', responses.join('\n'), steps)).toEqual([])
  })

  it('in nothing a forwarded service received, body or headers', () => {
    const received = [...okService.received, ...failingService.received].map((r) => JSON.stringify({ headers: r.headers, raw: r.raw }))
    expect(received.join('\n')).toContain('leakscan-input-')
    expect(leaksIn('a forwarded request', received.join('\n'), steps)).toEqual([])
  })

  it('in no line of `slackgate jobs list`', () => {
    expect(cli.join('\n')).toMatch(/ active +slow /)
    expect(cli.join('\n')).toContain('"route":"throws","state":"dead"')
    expect(leaksIn('`slackgate jobs list`', cli.join('\n'), steps)).toEqual([])
  })

  it('in no byte of the data directory, while a job was live and once all settled', () => {
    for (const [file, bytes] of [...live, ...settled]) expect(leaksIn(file, bytes, steps)).toEqual([])
  })
})

describe.skipIf(!redisAvailable)('custom steps, distributed (Redis queue): no step token leaks', () => {
  const namespace = `leakscan-${randomBytes(8).toString('hex')}`
  const MASTER = randomBytes(32).toString('base64')
  let t: TestApp
  let slack: FakeSlackApi
  let redis: Redis
  const steps: Step[] = []
  const responses: string[] = []
  const live: Array<[string, string]> = []
  const settled: Array<[string, string]> = []

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-step-leak-redis-'))
    slack = await startFakeSlackApi()
    redis = redisClient()
    writeHandlers(dir)
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      `namespace: ${namespace}
queue: { store: "${REDIS_URL}", redisPersistence: volatile }
vault: { masterKey: { ref: env:MASTER } }
slack: { apiUrl: "${slack.url}" }
routes:
  - { name: post, match: { function: leak_post }, handler: ./steps.ts, public: true, retry: ${RETRY} }
  - { name: slow, match: { function: leak_slow }, handler: ./steps.ts, public: true, retry: ${RETRY} }
`,
    )
    t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, env: { MASTER }, logLevel: 'debug' })
    const run = async (callbackId: string, what: string) => {
      const s = newStep(steps.length + 1, what)
      steps.push(s)
      slack.startStep(s.executionId, { token: s.token })
      const body = event(s, callbackId)
      const res = await t.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })
      responses.push(JSON.stringify({ status: res.statusCode, headers: res.headers, body: res.body }))
      expect(res.statusCode).toBe(200)
      return s
    }

    const post = await run('leak_post', 'the posting step (Redis)')
    await waitFor(() => slack.completions().some((c) => c.executionId === post.executionId && c.ok))
    const gate = openGate()
    const slow = await run('leak_slow', 'the step whose job is live in Redis')
    await gate.entered
    live.push(...(await dumpRedis(redis, namespace)))
    gate.release()
    await waitFor(() => slack.completions().some((c) => c.executionId === slow.executionId && c.ok))
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    settled.push(...(await dumpRedis(redis, namespace)))
  }, 60_000)

  afterAll(async () => {
    await t?.close()
    await slack?.close()
    if (redis !== undefined) {
      const keys = (await dumpRedis(redis, namespace)).map(([key]) => key)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    }
  })

  it('the scan finds what is there: the live job sat in Redis, and its token reached Slack', () => {
    const slow = steps.at(-1) as Step
    expect(live.some(([, value]) => value.includes(slow.marker)), 'the live job in Redis').toBe(true)
    expect(live.every(([key]) => key.startsWith(namespace))).toBe(true)
    const authorizations = slack.calls().map((c) => c.authorization ?? '').join('\n')
    for (const s of steps) expect(leaksIn('the calls to Slack', authorizations, [s]), s.what).not.toEqual([])
  })

  it('in no key of the namespace, while the job was live and once it finished', () => {
    expect(leaksIn('a live Redis key', live.map(([k, v]) => `${k} ${v}`).join('\n'), steps)).toEqual([])
    expect(leaksIn('a Redis key after the run', settled.map(([k, v]) => `${k} ${v}`).join('\n'), steps)).toEqual([])
  })

  it('in no log line, audit record, metric or response', async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    expect(leaksIn('the log', t.lines.join('\n'), steps)).toEqual([])
    expect(leaksIn('the audit log', JSON.stringify(await readAll(t.gateway.stores.audit)), steps)).toEqual([])
    expect(leaksIn('/metrics', metrics.body, steps)).toEqual([])
    expect(leaksIn('a response', responses.join('\n'), steps)).toEqual([])
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logger.js'
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, form, NOW, OTHER_SECRET, SECRET, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

const FORM = 'application/x-www-form-urlencoded'

let dir: string
let sink: Sink
let t: TestApp | undefined

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-metrics-'))
  sink = await startSink()
})

afterEach(async () => {
  await t?.close()
  t = undefined
  await sink.close()
})

async function start(workers: boolean): Promise<TestApp> {
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `
policy:
  adminContact: "#platform-help"
directory:
  userGroups: { SDEPLOY: [U0001] }
routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: ${sink.url} }
    access:
      rules:
        - name: deployers
          workspaces: [T0001]
          channels: [C0001]
          userGroups: [SDEPLOY]
      deny:
        users: [U0666]
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers })
  return t
}

/** A signed slash command: its body and headers, to send once or more. */
function signedCommand(fields: Record<string, string> = {}, options: { timestamp?: number; secret?: string } = {}) {
  const payload = form({ ...commandFields, trigger_id: `${Math.random()}`, ...fields })
  return { method: 'POST' as const, url: '/slack/commands', headers: slackHeaders(payload, { contentType: FORM, ...options }), payload }
}

async function scrape(app: TestApp): Promise<string> {
  const res = await app.app.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode).toBe(200)
  return res.body
}

/**
 * The value of one sample in Prometheus text: the line of `name` whose labels are exactly
 * `labels` (every label of the metric given, empty ones as ''), or undefined if there is none.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const found: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[k as string] = v as string
    const want = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''))
    const got = Object.fromEntries(Object.entries(found).filter(([, v]) => v !== ''))
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) return Number(m[3])
  }
  return undefined
}

const commands = (verdict: string, reason = '', route = '') => ({ endpoint: '/slack/commands', route, verdict, reason })

describe('metrics through the gateway', () => {
  it('serves /metrics in the Prometheus text format, with the process metrics prefixed', async () => {
    const app = await start(false)
    const res = await app.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toContain('# TYPE slackgate_requests_total counter')
    expect(res.body).toContain('# TYPE slackgate_ack_duration_seconds histogram')
    expect(res.body).toContain('# TYPE slackgate_process_cpu_seconds_total counter')
  })

  it('counts an accepted command, then its delivery, end to end', async () => {
    const app = await start(true)
    expect((await app.app.inject(signedCommand())).statusCode).toBe(200)
    let text = await scrape(app)
    expect(sample(text, 'slackgate_requests_total', commands('accepted', '', 'deploy'))).toBe(1)
    expect(sample(text, 'slackgate_ack_duration_seconds_count', { endpoint: '/slack/commands', verdict: 'accepted' })).toBe(1)

    await waitFor(async () => sample(await scrape(app), 'slackgate_delivery_attempts_total', { route: 'deploy', outcome: 'delivered' }) === 1)
    text = await scrape(app)
    expect(sink.received).toHaveLength(1)
    expect(sample(text, 'slackgate_delivery_duration_seconds_count', { route: 'deploy', outcome: 'delivered' })).toBe(1)
    expect(sample(text, 'slackgate_end_to_end_seconds_count', { route: 'deploy' })).toBe(1)
    expect(sample(text, 'slackgate_dead_letters_total', { route: 'deploy' })).toBeUndefined()
    expect(app.gateway.metrics.lastDeliveryAt).toBe(NOW * 1000)
  })

  it('counts a dead letter when the service refuses for good', async () => {
    sink.status = () => 400
    const app = await start(true)
    expect((await app.app.inject(signedCommand())).statusCode).toBe(200)
    await waitFor(async () => sample(await scrape(app), 'slackgate_dead_letters_total', { route: 'deploy' }) === 1)
    const text = await scrape(app)
    expect(sample(text, 'slackgate_delivery_attempts_total', { route: 'deploy', outcome: 'dead' })).toBe(1)
    expect(sample(text, 'slackgate_delivery_attempts_total', { route: 'deploy', outcome: 'delivered' })).toBeUndefined()
    expect(sample(text, 'slackgate_end_to_end_seconds_count', { route: 'deploy' })).toBeUndefined()
    expect(app.gateway.metrics.lastDeliveryAt).toBeUndefined()
  })

  it('counts a forged command as rejected with signature_mismatch', async () => {
    const app = await start(false)
    const res = await app.app.inject(signedCommand({}, { secret: OTHER_SECRET }))
    expect(res.statusCode).toBe(401)
    const text = await scrape(app)
    expect(sample(text, 'slackgate_requests_total', commands('rejected', 'signature_mismatch'))).toBe(1)
    expect(sample(text, 'slackgate_requests_total', commands('accepted', '', 'deploy'))).toBeUndefined()
    expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBe(0)
  })

  it('counts the same signed command sent twice as one accepted and one duplicate', async () => {
    const app = await start(false)
    const request = signedCommand()
    expect((await app.app.inject(request)).statusCode).toBe(200)
    expect((await app.app.inject(request)).statusCode).toBe(200)
    const text = await scrape(app)
    expect(sample(text, 'slackgate_requests_total', commands('accepted', '', 'deploy'))).toBe(1)
    expect(sample(text, 'slackgate_requests_total', commands('duplicate', 'duplicate', 'deploy'))).toBe(1)
    expect(sample(text, 'slackgate_duplicates_total', { route: 'deploy' })).toBe(1)
  })

  it('counts policy denials by route, rule and reason', async () => {
    const app = await start(false)
    expect((await app.app.inject(signedCommand({ user_id: 'U0666' }))).statusCode).toBe(200)
    expect((await app.app.inject(signedCommand({ channel_id: 'C0009' }))).statusCode).toBe(200)
    expect((await app.app.inject(signedCommand({ channel_id: 'C0009' }))).statusCode).toBe(200)
    const text = await scrape(app)
    expect(sample(text, 'slackgate_policy_denials_total', { route: 'deploy', rule: 'deny', reason: 'user_denied' })).toBe(1)
    expect(sample(text, 'slackgate_policy_denials_total', { route: 'deploy', rule: 'deployers', reason: 'channel_not_allowed' })).toBe(2)
    expect(sample(text, 'slackgate_requests_total', commands('denied', 'channel_not_allowed', 'deploy'))).toBe(2)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBe(0)
  })

  it('reads the queue gauge at scrape time', async () => {
    const app = await start(false)
    let text = await scrape(app)
    expect(sample(text, 'slackgate_queue_counts_up')).toBe(1)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBe(0)
    await app.app.inject(signedCommand())
    text = await scrape(app)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBe(1)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'active' })).toBe(0)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'dead' })).toBe(0)
  })

  it('follows the median skew of verified Slack timestamps only', async () => {
    const app = await start(false)
    expect(sample(await scrape(app), 'slackgate_clock_skew_seconds')).toBeNaN()
    for (const timestamp of [NOW - 3, NOW - 3, NOW - 3, NOW - 250, NOW + 1]) {
      expect((await app.app.inject(signedCommand({}, { timestamp }))).statusCode).toBe(200)
    }
    // Forged, and stale: neither may move the median.
    for (let i = 0; i < 10; i++) expect((await app.app.inject(signedCommand({}, { timestamp: NOW - 200, secret: OTHER_SECRET }))).statusCode).toBe(401)
    for (let i = 0; i < 10; i++) expect((await app.app.inject(signedCommand({}, { timestamp: NOW - 400 }))).statusCode).toBe(401)
    expect(sample(await scrape(app), 'slackgate_clock_skew_seconds')).toBe(3)
  })

  it('carries no user, channel or request data in any label', async () => {
    const app = await start(false)
    await app.app.inject(signedCommand({ user_id: 'U0SECRETUSER', text: 'prod' }))
    await app.app.inject(signedCommand({ user_id: 'U0666' }))
    await app.app.inject(signedCommand({ user_id: 'U0777FORGED' }, { secret: OTHER_SECRET }))
    const notFound = await app.app.inject({ method: 'GET', url: '/slack/U0PATHUSER?user=U0QUERYUSER' })
    expect(notFound.statusCode).toBe(404)
    const text = await scrape(app)
    expect(sample(text, 'slackgate_requests_total', { endpoint: 'unmatched', route: '', verdict: 'rejected', reason: 'not_found' })).toBe(1)
    for (const leaked of ['U0SECRETUSER', 'U0666', 'U0777FORGED', 'U0PATHUSER', 'U0QUERYUSER', 'T0001', 'C0001', 'hooks.slack.com', 'prod']) {
      expect(text).not.toContain(leaked)
    }
  })
})

describe('/healthz', () => {
  it('reports the audit chain head and the last delivery', async () => {
    const app = await start(true)
    expect((await app.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ audit: null, lastDeliveryAt: null })
    await app.app.inject(signedCommand())
    await waitFor(() => app.gateway.metrics.lastDeliveryAt !== undefined)
    const healthz = async () => (await app.app.inject({ method: 'GET', url: '/healthz' })).json()
    const body = await healthz()
    expect(body).toMatchObject({ status: 'ok', time: NOW, lastDeliveryAt: NOW, audit: { seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) } })
    // The delivery's own record may still be on its way: the head is the chain's, once it settles.
    await waitFor(async () => {
      const [head, reported] = [await app.gateway.stores.audit.head(), (await healthz()).audit]
      return head !== undefined && reported.seq === head.seq && reported.hash === head.hash
    }, 2000)
  })

  it('stays 200 and says audit_unavailable when the audit head cannot be read', async () => {
    const config = loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET }, cwd: '/tmp', now: NOW })
    const app = await buildApp({
      config,
      logger: createLogger({ level: 'silent' }),
      authorize: () => undefined,
      admit: async () => Promise.reject(new Error('no request is admitted in this test')),
      respond: async () => Promise.reject(new Error('nothing is posted in this test')),
      clock: () => NOW,
      auditHead: async () => Promise.reject(new Error('SQLITE_IOERR /var/lib/slackgate')),
      lastDeliveryAt: () => (NOW - 60) * 1000 + 999,
    })
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', audit: { error: 'audit_unavailable' }, lastDeliveryAt: NOW - 60 })
    expect(res.body).not.toContain('SQLITE_IOERR')
    // No metrics were given: no /metrics route.
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
    await app.close()
  })
})

describe('createGatewayMetrics', () => {
  it('a queue that fails or hangs does not fail the scrape: its counts are left out and up is 0', async () => {
    let mode: 'ok' | 'fail' | 'hang' = 'ok'
    const metrics = createGatewayMetrics({
      queueCounts: async () => {
        if (mode === 'fail') throw new Error('ECONNREFUSED')
        if (mode === 'hang') return new Promise(() => undefined)
        return { queued: 4, active: 2, dead: 1 }
      },
      queueCountsTimeoutMs: 50,
    })
    let text = await metrics.render()
    expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBe(4)
    expect(sample(text, 'slackgate_queue_jobs', { state: 'dead' })).toBe(1)
    expect(sample(text, 'slackgate_queue_counts_up')).toBe(1)
    for (const m of ['fail', 'hang'] as const) {
      mode = m
      text = await metrics.render()
      expect(sample(text, 'slackgate_queue_counts_up')).toBe(0)
      expect(sample(text, 'slackgate_queue_jobs', { state: 'queued' })).toBeUndefined()
      expect(text).not.toContain('ECONNREFUSED')
    }
  })

  it('keeps the median over the last 101 timestamps, and never a label outside config and the catalogues', async () => {
    const metrics = createGatewayMetrics({ now: () => 5000 })
    for (let i = 0; i < 101; i++) metrics.observeSlackTimestamp(NOW - 100, NOW)
    expect(sample(await metrics.render(), 'slackgate_clock_skew_seconds')).toBe(100)
    for (let i = 0; i < 51; i++) metrics.observeSlackTimestamp(NOW + 2, NOW)
    expect(sample(await metrics.render(), 'slackgate_clock_skew_seconds')).toBe(-2)

    metrics.observeRequest({ endpoint: '/slack/commands', verdict: 'rejected', reason: 'U0001 said hi', route: 'Not A Route!', seconds: 0.01 })
    metrics.observeDelivery({ route: 'deploy', outcome: 'retrying', seconds: 0.2 })
    const text = await metrics.render()
    expect(sample(text, 'slackgate_requests_total', { endpoint: '/slack/commands', route: 'other', verdict: 'rejected', reason: 'other' })).toBe(1)
    expect(text).not.toContain('U0001')
    expect(sample(text, 'slackgate_delivery_attempts_total', { route: 'deploy', outcome: 'retrying' })).toBe(1)
    expect(metrics.lastDeliveryAt).toBeUndefined()
    metrics.observeDelivery({ route: 'deploy', outcome: 'delivered', seconds: 0.2, endToEndSeconds: 1.5 })
    expect(metrics.lastDeliveryAt).toBe(5000)
  })
})

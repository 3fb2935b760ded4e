import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { ownRedis, type OwnRedis } from '../helpers/redis-server.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

const FORM = 'application/x-www-form-urlencoded'
const RENEW_MS = 200

// The queue lives in a redis-server of this test's own: it can be down when the gateway
// starts, and another deployment's claim can be written into it.
let redis: OwnRedis
let sink: Sink
let file: string
let t: TestApp | undefined
const arrivals: number[] = []
beforeAll(async () => {
  redis = await ownRedis()
  sink = await startSink()
  sink.status = () => {
    arrivals.push(Date.now())
    return 200
  }
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-namespace-'))
  file = join(dir, 'slackgate.yaml')
  writeFileSync(file, `queue: { store: "${redis.url}", redisPersistence: volatile }\nroutes:\n  - { name: deploy, match: { command: /deploy }, public: true, forward: { url: "${sink.url}" } }\n`)
})
afterEach(async () => {
  await t?.close()
  t = undefined
})
afterAll(async () => {
  await sink?.close()
  await redis?.stop()
})

const start = (workers: boolean) => testApp({ file, storeTimeoutMs: 300, namespaceRenewMs: RENEW_MS, workers })
function command(app: TestApp) {
  const body = form({ ...commandFields, trigger_id: `t${Math.random()}` })
  return app.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}
const readyz = async (app: TestApp) => {
  const res = await app.app.inject({ method: 'GET', url: '/readyz' })
  return { status: res.statusCode, namespace: (res.json() as { checks: Record<string, string> }).checks.namespace }
}

describe.sequential('a deployment queues and delivers only while it holds its namespace on Redis', () => {
  it('started while Redis was down: 503 queue_unavailable and not ready until Redis answers and the claim is taken', async () => {
    t = await start(true)
    expect(await readyz(t)).toEqual({ status: 503, namespace: 'failed' })
    const refused = await command(t)
    expect([refused.statusCode, refused.json()]).toEqual([503, { error: 'queue_unavailable' }])

    await redis.start()
    const app = t
    await waitFor(async () => (await readyz(app)).status === 200)
    expect(await readyz(t)).toEqual({ status: 200, namespace: 'ok' })
    expect((await command(t)).statusCode).toBe(200)
    await waitFor(() => sink.received.length === 1)
  })

  it('another deployment holding the namespace pauses queueing and delivery; both resume once it is free', async () => {
    t = await start(false)
    // Accepted while the claim is held; the workers are not running yet.
    expect((await command(t)).statusCode).toBe(200)
    const before = sink.received.length

    // Another deployment takes the namespace (as if this one's claim had lapsed in an outage).
    const other = new Redis(redis.url)
    try {
      await other.set('slackgate:deployment', 'another-deployment', 'PX', 60_000)
      const app = t
      await waitFor(async () => (await readyz(app)).status === 503)
      expect(await readyz(t)).toEqual({ status: 503, namespace: 'failed' })
      const refused = await command(t)
      expect([refused.statusCode, refused.json()]).toEqual([503, { error: 'queue_unavailable' }])
      expect(t.lines.some((l) => l.includes('another deployment holds this namespace'))).toBe(true)

      // Workers started now stay paused: the job waits, through several renewals.
      t.gateway.startWorkers()
      await new Promise((r) => setTimeout(r, 3 * RENEW_MS))
      expect(sink.received.length).toBe(before)
      expect((await t.gateway.stores.queue.counts()).queued).toBe(1)

      const freedAt = Date.now()
      await other.del('slackgate:deployment')
      await waitFor(() => sink.received.length === before + 1)
      // Delivered only after the namespace was free again, never while another deployment held it.
      expect(arrivals.at(-1)).toBeGreaterThanOrEqual(freedAt)
      expect((await command(t)).statusCode).toBe(200)
    } finally {
      other.disconnect()
    }
  })
})

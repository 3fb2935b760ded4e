import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { redisServerAvailable } from '../helpers/redis.js'
import { ownRedis, type OwnRedis } from '../helpers/redis-server.js'
import { eventEnvelope, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { deliveryAttemptsOf, injectMetrics, waitForQueueIdle } from '../helpers/queue-idle.js'

let redis: OwnRedis
let sink: Sink
let t: TestApp

beforeAll(async () => {
  if (!redisServerAvailable) return
  redis = await ownRedis()
  await redis.start()
  sink = await startSink()
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-outage-'))
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `replay: { store: "${redis.url}" }
queue: { store: "${redis.url}", redisPersistence: volatile }
routes:
  - name: mentions
    match: { event: app_mention }
    public: true
    forward: { url: ${sink.url} }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true })
})

afterAll(async () => {
  await t?.close()
  await sink?.close()
  await redis?.stop()
})

/** Waits until BullMQ has nothing left to deliver (delayed retries included), then counts deliveries. */
async function settled() {
  await waitForQueueIdle(() => t.gateway.stores.queue.counts())
  return deliveryAttemptsOf(await injectMetrics(t.app))
}

function send(eventId: string) {
  const body = JSON.stringify(eventEnvelope({ event_id: eventId }))
  return t.app.inject({ method: 'POST', url: '/slack/events', payload: body, headers: slackHeaders(body) })
}

describe.skipIf(!redisServerAvailable)('Redis outage (a redis-server of this test\'s own)', () => {
  it('serves while Redis is up, answers 503 and dispatches nothing while it is down, and resumes when it returns', async () => {
    expect((await send('EvUP1')).statusCode).toBe(200)
    expect(await settled()).toEqual({ delivered: 1 })

    await redis.stop()
    const down = await send('EvDOWN1')
    expect(down.statusCode).toBe(503)
    expect(down.json()).toEqual({ error: 'replay_store_unavailable' })
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toMatchObject({ ready: false, checks: { replay_store: 'failed', queue: 'failed' } })

    await redis.start()
    await waitFor(async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000)
    // Slack retries the refused event later: it runs now, once.
    expect((await send('EvDOWN1')).statusCode).toBe(200)
    expect(await settled()).toEqual({ delivered: 2 })
    expect(sink.received.map((r) => (r.body.request as { eventId: string }).eventId)).toEqual(['EvUP1', 'EvDOWN1'])
  })
})

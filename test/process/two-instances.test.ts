import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { startGateway, type RunningGateway } from '../helpers/cli.js'
import { deliveryAttemptsOf, queueCountsOf, scrapeMetrics, waitForQueueIdle } from '../helpers/queue-idle.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { eventEnvelope, SECRET, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

// Database 9 of the shared Redis is this test's own; it is flushed first.
const url = `${REDIS_URL.replace(/\/\d*$/, '')}/9`
const gateways: RunningGateway[] = []
let sink: Sink

describe.skipIf(!redisAvailable)('two gateway processes sharing one Redis', () => {
  beforeAll(async () => {
    const admin = new Redis(url)
    await admin.flushdb()
    admin.disconnect()
    sink = await startSink()
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-two-'))
    const config = join(dir, 'slackgate.yaml')
    writeFileSync(
      config,
      `replay: { store: "${url}" }
queue: { store: "${url}", redisPersistence: volatile }
routes:
  - name: mentions
    match: { event: app_mention }
    public: true
    forward: { url: ${sink.url} }
`,
    )
    for (const name of ['a', 'b']) {
      gateways.push(
        await startGateway('start', {
          cwd: dir,
          args: ['--config', config],
          env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1', SLACKGATE_DATA_DIR: join(dir, name) },
        }),
      )
    }
  })

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')))
    await sink?.close()
  })

  it('200 concurrent sends of one event, spread over both, run exactly once', async () => {
    const body = JSON.stringify(eventEnvelope({ event_id: 'EvTWOINSTANCES' }))
    const now = Math.floor(Date.now() / 1000)
    // Half are exact copies (a replay), half carry new timestamps (Slack's retries).
    const sends = Array.from({ length: 200 }, (_, i) => {
      const gateway = gateways[i % 2] as RunningGateway
      const headers = slackHeaders(body, { timestamp: i < 100 ? now : now + (i % 50) })
      return fetch(`${gateway.url}/slack/events`, { method: 'POST', headers, body }).then((r) => r.status)
    })
    const statuses = await Promise.all(sends)
    expect(statuses.every((s) => s === 200)).toBe(true)
    await waitFor(() => sink.received.length >= 1)
    // Done when the shared queue holds nothing queued, active or waiting out a back-off;
    // then both processes together delivered once, and the service saw one request.
    for (const g of gateways) await waitForQueueIdle(async () => queueCountsOf(await scrapeMetrics(g.url)))
    const delivered = await Promise.all(gateways.map(async (g) => deliveryAttemptsOf(await scrapeMetrics(g.url)).delivered ?? 0))
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(1)
    expect(sink.received).toHaveLength(1)
  })
})

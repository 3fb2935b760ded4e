import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { startGateway, type RunningGateway } from '../helpers/cli.js'
import { eventEnvelope, SECRET, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { deliveryAttemptsOf, queueCountsOf, scrapeMetrics, waitForQueueIdle } from '../helpers/queue-idle.js'

const running: RunningGateway[] = []
let sink: Sink | undefined

afterAll(async () => {
  await Promise.all(running.map((g) => g.stop('SIGKILL')))
  await sink?.close()
})

describe('crash (embedded default, a real child process)', () => {
  it('after kill -9 with jobs queued, a restart delivers every acked job exactly once', async () => {
    sink = await startSink()
    const s = sink
    let serving = false
    // Until the crash the service is down (503): acked jobs wait in the queue, retrying.
    s.status = () => (serving ? 200 : 503)
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-crash-'))
    const config = join(dir, 'slackgate.yaml')
    writeFileSync(
      config,
      `routes:
  - name: mentions
    match: { event: app_mention }
    public: true
    forward: { url: ${s.url} }
    retry: { maxAttempts: 50, baseDelayMs: 50, maxDelayMs: 200 }
`,
    )
    const env = { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1' }
    const first = await startGateway('start', { cwd: dir, args: ['--config', config], env })
    running.push(first)

    const ids = Array.from({ length: 40 }, (_, i) => `EvCRASH${i}`)
    const now = Math.floor(Date.now() / 1000)
    const requests = ids.map((id) => {
      const body = JSON.stringify(eventEnvelope({ event_id: id }))
      return { body, headers: slackHeaders(body, { timestamp: now }) }
    })
    const statuses = await Promise.all(
      requests.map(({ body, headers }) => fetch(`${first.url}/slack/events`, { method: 'POST', headers, body }).then((r) => r.status)),
    )
    expect(statuses.every((st) => st === 200)).toBe(true)
    await waitFor(() => s.received.length >= 5)

    await first.stop('SIGKILL')
    // Whatever the dead process had already put on the wire is read (and refused) before its
    // connections close; the sink has no other sender yet.
    await waitFor(() => s.connections() === 0)
    const failedAttempts = s.received.length
    serving = true

    const second = await startGateway('start', { cwd: dir, args: ['--config', config], env })
    running.push(second)
    // Nothing left to deliver, not even a retry waiting out its back-off: every delivery
    // there will be has been made.
    const idle = () => waitForQueueIdle(async () => queueCountsOf(await scrapeMetrics(second.url)), 20_000)
    expect(await idle()).toEqual({ queued: 0, active: 0, dead: 0 })

    const delivered = s.received.slice(failedAttempts).map((r) => (r.body.request as { eventId: string }).eventId)
    expect(delivered.sort()).toEqual([...ids].sort())
    expect(deliveryAttemptsOf(await scrapeMetrics(second.url))).toEqual({ delivered: ids.length })

    // A request captured before the crash, replayed after the restart, is still a duplicate.
    const replay = requests[7] as { body: string; headers: Record<string, string> }
    const res = await fetch(`${second.url}/slack/events`, { method: 'POST', headers: replay.headers, body: replay.body })
    expect(res.status).toBe(200)
    await waitFor(() => second.output().includes('"verdict":"duplicate"'))
    await idle()
    expect(s.received.length - failedAttempts).toBe(ids.length)
    expect(deliveryAttemptsOf(await scrapeMetrics(second.url))).toEqual({ delivered: ids.length })
  })
})

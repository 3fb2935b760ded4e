import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { injectMetrics } from '../helpers/queue-idle.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

// The gateway's bounds: the replay store holds at most replay.maxKeys live keys, and the queue
// at most queue.maxBacklog jobs waiting or in delivery. Past either, requests are refused (503,
// a code of their own, a log line that says what to change) instead of growing without bound.
const FORM = 'application/x-www-form-urlencoded'
const MAX_KEYS = 1000

let t: TestApp

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-replay-cap-'))
  writeFileSync(join(dir, 'slackgate.yaml'), `replay: { maxKeys: ${MAX_KEYS} }\n`)
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data') })
})

afterAll(async () => {
  await t?.close()
})

const command = (n: number) => form({ ...commandFields, trigger_id: `cap.${n}` })

describe('replay.maxKeys', () => {
  it('refuses requests with 503 replay_store_full once the store is full of live keys, naming the setting', async () => {
    const statuses: number[] = []
    let refused: { statusCode: number; body: string } | undefined
    // Each command claims two keys (its signature and its trigger_id).
    for (let n = 0; n < MAX_KEYS; n++) {
      const body = command(n)
      const res = await t.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
      statuses.push(res.statusCode)
      if (res.statusCode !== 200) {
        refused = res
        break
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_KEYS / 2)
    expect(refused?.statusCode).toBe(503)
    expect(JSON.parse(refused?.body ?? '{}')).toEqual({ error: 'replay_store_full' })
    const logged = t.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason === 'replay_store_full' && l.msg === 'store unavailable')
    expect(JSON.stringify(logged)).toContain('raise replay.maxKeys')
    expect(t.requestLogs().at(-1)).toMatchObject({ verdict: 'rejected', reason: 'replay_store_full' })

    const metrics = await injectMetrics(t.app)
    expect(metrics).toMatch(new RegExp(`^slackgate_replay_keys ${MAX_KEYS}$`, 'm'))
    expect(metrics).toMatch(new RegExp(`^slackgate_replay_keys_max ${MAX_KEYS}$`, 'm'))
  })
})

describe('queue.maxBacklog', () => {
  it('refuses requests with 503 queue_full while the backlog is at its bound, and takes them again once delivery catches up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-backlog-'))
    writeFileSync(
      join(dir, 'slackgate.yaml'),
      'queue: { maxBacklog: 10 }\nroutes:\n  - { name: deploy, match: { command: /deploy }, forward: { url: "http://127.0.0.1:9/unused" }, public: true }\n',
    )
    const gateway = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data') })
    try {
      const send = async (n: number) => {
        const body = form({ ...commandFields, command: '/deploy', trigger_id: `backlog.${n}` })
        return gateway.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
      }
      for (let n = 0; n < 10; n++) expect((await send(n)).statusCode).toBe(200)
      const refused = await send(10)
      expect([refused.statusCode, refused.json()]).toEqual([503, { error: 'queue_full' }])
      expect(gateway.requestLogs().at(-1)).toMatchObject({ verdict: 'rejected', reason: 'queue_full' })
      // Refused before anything was claimed: Slack's retry of it is not a duplicate.
      for (const job of await gateway.gateway.stores.queue.list({ limit: 1 })) expect(await gateway.gateway.stores.queue.drop(job.id)).toBe(true)
      expect((await send(10)).statusCode).toBe(200)
      expect(gateway.requestLogs().at(-1)).toMatchObject({ verdict: 'accepted' })
    } finally {
      await gateway.close()
    }
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { injectMetrics } from '../helpers/queue-idle.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

// The replay store holds at most replay.maxKeys live keys: past it, requests are refused with
// a code of their own and a log line that says what to change, and /metrics shows it coming.
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

import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { ownRedis, type OwnRedis } from '../helpers/redis-server.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

// In distributed mode the 200 means the job is in Redis: it survives a Redis restart only if
// Redis persists it. The gateway asks Redis at start and refuses to queue where it would not.
const FORM = 'application/x-www-form-urlencoded'
const servers: OwnRedis[] = []
const apps: TestApp[] = []

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await Promise.all(servers.map((s) => s.stop()))
})

function config(url: string, persistence?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-redis-persist-'))
  const mode = persistence === undefined ? '' : `, redisPersistence: ${persistence}`
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `namespace: persist-${randomBytes(4).toString('hex')}\nqueue: { store: "${url}"${mode} }\nroutes:\n  - { name: deploy, match: { command: /deploy }, public: true, forward: { url: "http://127.0.0.1:9/unused" } }\n`,
  )
  return join(dir, 'slackgate.yaml')
}

async function start(file: string, storeTimeoutMs = 2000): Promise<TestApp> {
  const t = await testApp({ file, storeTimeoutMs, namespaceRenewMs: 200 })
  apps.push(t)
  return t
}

/** A redis-server of the test's own, running, with an append-only file synced this way. */
async function redisWith(appendfsync?: 'always' | 'everysec'): Promise<OwnRedis> {
  const redis = await ownRedis(appendfsync === undefined ? {} : { appendfsync })
  servers.push(redis)
  await redis.start()
  return redis
}

async function command(t: TestApp) {
  const body = form({ ...commandFields, command: '/deploy', trigger_id: `persist.${randomBytes(6).toString('hex')}` })
  return t.app.inject({ method: 'POST', url: '/slack/commands', headers: slackHeaders(body, { contentType: FORM }), payload: body })
}

describe.skipIf(!redisAvailable)('queue.redisPersistence', () => {
  it('check (the default): a Redis with appendonly no is refused at start, naming the setting and the fix', async () => {
    await expect(start(config(REDIS_URL))).rejects.toMatchObject({
      code: 'invalid_config',
      problems: [{ key: 'queue.redisPersistence', message: expect.stringMatching(/keeps jobs only in memory \(appendonly no\): a restart loses every job acked to Slack; turn on appendonly yes/) }],
    })
  })

  it('check: appendonly yes with appendfsync always starts and queues, saying nothing', async () => {
    const t = await start(config((await redisWith('always')).url))
    expect((await command(t)).statusCode).toBe(200)
    expect(t.lines.filter((l) => l.includes('"store":"queue"'))).toEqual([])
  })

  it('check: appendfsync everysec starts, with a warning of what a power loss can take', async () => {
    const t = await start(config((await redisWith('everysec')).url))
    expect((await command(t)).statusCode).toBe(200)
    expect(t.lines.some((l) => l.includes('up to a second of acked jobs'))).toBe(true)
  })

  it('volatile starts on a Redis without persistence, and says acked jobs die with it', async () => {
    const t = await start(config(REDIS_URL, 'volatile'))
    expect((await command(t)).statusCode).toBe(200)
    expect(t.lines.some((l) => l.includes('jobs acked to Slack are lost if'))).toBe(true)
  })

  it('a Redis that answers only after the start is checked then: nothing is queued (503 queue_unavailable) until it persists', async () => {
    const redis = await ownRedis()
    servers.push(redis)
    const t = await start(config(redis.url), 300)
    await redis.start()
    await waitFor(() => t.lines.some((l) => l.includes('not queueing: the queue') && l.includes('appendonly no')), 5000)
    const refused = await command(t)
    expect([refused.statusCode, refused.json()]).toEqual([503, { error: 'queue_unavailable' }])
    // The operator turns persistence on: the gateway starts queueing without a restart.
    const admin = new Redis(redis.url)
    await admin.config('SET', 'appendonly', 'yes')
    admin.disconnect()
    await waitFor(async () => (await command(t)).statusCode === 200, 5000)
  })
})

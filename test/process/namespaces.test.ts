import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { runCli, startGateway, type RunningGateway } from '../helpers/cli.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { eventEnvelope, SECRET, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

// Two deployments on one Redis database, each with a namespace of its own: the same route
// name, each delivering to its own service.
const tag = randomUUID().slice(0, 8)
const namespaces = { a: `t${tag}-a`, b: `t${tag}-b` }
const gateways: RunningGateway[] = []
const sinks: Record<'a' | 'b', Sink> = {} as Record<'a' | 'b', Sink>
const configs: Record<'a' | 'b', string> = { a: '', b: '' }
const env = (name: string) => ({ SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1', SLACKGATE_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'slackgate-ns-')), name) })

function writeConfig(namespace: string, routes: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'slackgate-ns-')), 'slackgate.yaml')
  writeFileSync(file, `namespace: ${namespace}\nreplay: { store: "${REDIS_URL}" }\nqueue: { store: "${REDIS_URL}", redisPersistence: volatile }\nroutes:\n${routes}`)
  return file
}

const mentions = (sink: Sink) => `  - { name: mentions, match: { event: app_mention }, public: true, forward: { url: "${sink.url}" } }\n`

describe.skipIf(!redisAvailable)('deployments sharing one Redis database', () => {
  beforeAll(async () => {
    for (const name of ['a', 'b'] as const) {
      sinks[name] = await startSink()
      configs[name] = writeConfig(namespaces[name], mentions(sinks[name]))
      gateways.push(await startGateway('start', { args: ['--config', configs[name]], env: env(name) }))
    }
  })

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')))
    await Promise.all(Object.values(sinks).map((s) => s.close()))
    const admin = new Redis(REDIS_URL)
    for (const ns of Object.values(namespaces)) {
      const keys = await admin.keys(`${ns}:*`)
      if (keys.length > 0) await admin.del(...keys)
    }
    admin.disconnect()
  })

  it('with their own namespaces, neither takes the other\'s jobs', async () => {
    const [a] = gateways as [RunningGateway]
    const now = Math.floor(Date.now() / 1000)
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify(eventEnvelope({ event_id: `EvNS${tag}${i}` }))
      const res = await fetch(`${a.url}/slack/events`, { method: 'POST', headers: slackHeaders(body, { timestamp: now }), body })
      expect(res.status).toBe(200)
    }
    // Had B shared A's queue, its worker would have taken some of them to its own service.
    await waitFor(() => sinks.a.received.length === 20, 15_000)
    expect(sinks.b.received).toEqual([])
  })

  it('a second instance of one deployment joins its namespace', async () => {
    const again = await startGateway('start', { args: ['--config', configs.a], env: env('a2') })
    gateways.push(again)
    expect((await fetch(`${again.url}/readyz`)).status).toBe(200)
  })

  it('another deployment, with other routes, in a namespace already in use is refused at start, naming the fix', () => {
    const other = writeConfig(namespaces.a, `  - { name: mentions, match: { event: app_mention }, public: true, forward: { url: "http://127.0.0.1:9/elsewhere" } }\n`)
    const out = runCli(['start', '--config', other], { env: { ...env('c'), PORT: '0' } })
    expect(out.status).toBe(2)
    expect(out.stderr).toContain(`namespace: another deployment, with other routes`)
    expect(out.stderr).toContain(`uses the namespace "${namespaces.a}"`)
    expect(out.stderr).toContain('Give this deployment a namespace of its own (namespace: NAME, or SLACKGATE_NAMESPACE)')
    expect(out.stdout).not.toContain('slackgate listening')
  })
})

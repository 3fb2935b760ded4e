import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/errors.js'
import { loadConfig } from '../../src/config/load.js'
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js'
import { createLogger } from '../../src/http/logger.js'
import { runCli } from '../helpers/cli.js'
import { DATABASE_URL, postgresAvailable } from '../helpers/postgres.js'
import { databaseUrl } from '../helpers/postgres-database.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'
import { freePort } from '../helpers/redis-server.js'
import { eventEnvelope, SECRET, slackHeaders } from '../helpers/signing.js'

const running: Gateway[] = []
afterEach(async () => {
  for (const g of running.splice(0)) await g.close()
})

/** Writes a config with these store settings; returns its path. */
function configFile(stores: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-stores-'))
  const file = join(dir, 'slackgate.yaml')
  writeFileSync(file, `${stores}\nroutes:\n  - { name: mentions, match: { event: app_mention }, public: true, forward: { url: "http://127.0.0.1:9/" } }\n`)
  return file
}

async function start(stores: string): Promise<{ gateway: Gateway; lines: string[] }> {
  const file = configFile(stores)
  const lines: string[] = []
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
  const config = loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET, SLACKGATE_NAMESPACE: `t${randomUUID().slice(0, 8)}` } })
  const gateway = await createGateway({ config, logger, storeTimeoutMs: 1000 })
  running.push(gateway)
  return { gateway, lines }
}

async function refusal(stores: string): Promise<ConfigError> {
  const err: unknown = await start(stores).then(
    () => new Error('the gateway started'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as ConfigError).code).toBe('invalid_config')
  return err as ConfigError
}

const redisBase = REDIS_URL.replace(/\/\d*$/, '')

describe.skipIf(!postgresAvailable)('a misconfigured PostgreSQL audit store is a startup error naming the key and the fix', () => {
  it('a database that does not exist', async () => {
    const name = `slackgate_test_missing_${randomUUID().replaceAll('-', '')}`
    const err = await refusal(`audit: { store: "${databaseUrl(name)}" }`)
    expect(err.problems).toEqual([{ key: 'audit.store', message: expect.stringContaining(`database "${name}" does not exist`) }])
    expect(err.message).toContain(`create it (CREATE DATABASE "${name}")`)
  })

  it('a role that does not exist (authentication fails), and no password in the message', async () => {
    const url = new URL(DATABASE_URL)
    url.username = `nosuchrole_${randomUUID().slice(0, 8)}`
    url.password = 'leaktest-pg-password'
    const err = await refusal(`audit: { store: "${url.toString()}" }`)
    expect(err.problems).toEqual([{ key: 'audit.store', message: expect.stringContaining('authentication failed') }])
    expect(err.message).toContain('correct the user and password in the URL')
    expect(err.message).not.toContain('leaktest-pg-password')
  })

  it('TLS asked of a server without it', async () => {
    const err = await refusal(`audit: { store: "${DATABASE_URL}?sslmode=verify-full" }`)
    expect(err.problems).toEqual([{ key: 'audit.store', message: expect.stringContaining('TLS failed') }])
    expect(err.message).toContain('drop sslmode from the URL')
  })
})

describe.skipIf(!redisAvailable)('a misconfigured Redis store is a startup error naming the key and the fix', () => {
  it('a failed AUTH, for each store on that Redis, and no password in the message', async () => {
    const url = redisBase.replace('redis://', 'redis://nosuchuser:leaktest-redis-password@')
    const err = await refusal(`replay: { store: "${url}" }\nqueue: { store: "${url}", redisPersistence: volatile }`)
    expect(err.problems.map((p) => p.key)).toEqual(['replay.store', 'queue.store'])
    expect(err.message).toContain('authentication failed (WRONGPASS')
    expect(err.message).toContain('correct the user and password in the URL')
    expect(err.message).not.toContain('leaktest-redis-password')
  })

  it('a database number the server does not have', async () => {
    const err = await refusal(`queue: { store: "${redisBase}/999", redisPersistence: volatile }`)
    expect(err.problems).toEqual([{ key: 'queue.store', message: expect.stringContaining('the database number in the URL does not exist') }])
  })
})

describe('an unreachable store is no startup error: the gateway starts and answers 503', () => {
  it('Redis and PostgreSQL refusing connections', async () => {
    const [redisPort, pgPort] = [await freePort(), await freePort()]
    const { gateway, lines } = await start(
      `replay: { store: "redis://127.0.0.1:${redisPort}" }\nqueue: { store: "redis://127.0.0.1:${redisPort}", redisPersistence: volatile }\naudit: { store: "postgres://postgres@127.0.0.1:${pgPort}/test" }`,
    )
    const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'a store did not answer at startup: serving 503 until it does')
    expect(warned.map((l) => l.store)).toEqual(['replay', 'queue', 'audit'])
    const ready = await gateway.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    const body = JSON.stringify(eventEnvelope())
    const res = await gateway.app.inject({ method: 'POST', url: '/slack/events', payload: body, headers: slackHeaders(body, { timestamp: Math.floor(Date.now() / 1000) }) })
    expect(res.statusCode).toBe(503)
  })
})

describe.skipIf(!postgresAvailable)('slackgate start with a misconfigured store', () => {
  it('exits with the configuration error, the key and the fix, without listening', () => {
    const name = `slackgate_test_missing_${randomUUID().replaceAll('-', '')}`
    const out = runCli(['start', '--config', configFile(`audit: { store: "${databaseUrl(name)}" }`)], {
      env: { SLACK_SIGNING_SECRET: SECRET, PORT: '0', HOST: '127.0.0.1' },
    })
    expect(out.status).toBe(2)
    expect(out.stderr).toContain('configuration error')
    expect(out.stderr).toContain(`audit.store: database "${name}" does not exist at postgres://`)
    expect(out.stdout).not.toContain('slackgate listening')
  })
})

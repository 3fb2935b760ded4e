import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import type { TestProject } from 'vitest/node'

/**
 * Finds out once which services answer. Suites for a missing service are skipped, with one
 * line saying so; when SLACKGATE_REQUIRE_SERVICES lists it (CI does), the run fails instead.
 */
export default async function setup(project: TestProject): Promise<void> {
  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  const redis = await answers(redisUrl.hostname, Number(redisUrl.port || 6379))
  const required = (process.env.SLACKGATE_REQUIRE_SERVICES ?? '').split(',').map((s) => s.trim())
  if (!redis) {
    if (required.includes('redis')) throw new Error(`Redis does not answer at ${redisUrl.host}, and SLACKGATE_REQUIRE_SERVICES requires it`)
    process.stdout.write(`Redis does not answer at ${redisUrl.host}: skipping the Redis suites\n`)
  }
  // The outage test starts (and kills) a redis-server of its own.
  const redisServer = spawnSync('redis-server', ['--version']).status === 0
  if (!redisServer) {
    if (required.includes('redis')) throw new Error('redis-server is not installed, and SLACKGATE_REQUIRE_SERVICES requires Redis')
    process.stdout.write('redis-server is not installed: skipping the Redis outage test\n')
  }
  const postgresUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  const postgres = await answers(postgresUrl.hostname, Number(postgresUrl.port || 5432))
  if (!postgres) {
    if (required.includes('postgres')) throw new Error(`PostgreSQL does not answer at ${postgresUrl.host}, and SLACKGATE_REQUIRE_SERVICES requires it`)
    process.stdout.write(`PostgreSQL does not answer at ${postgresUrl.host}: skipping the PostgreSQL suites\n`)
  }
  project.provide('redis', redis)
  project.provide('redisServer', redisServer)
  project.provide('postgres', postgres)
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

declare module 'vitest' {
  export interface ProvidedContext {
    redis: boolean
    redisServer: boolean
    postgres: boolean
  }
}

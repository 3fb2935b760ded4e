import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { ranWholeSuite, readObservedReasons, unobservedReasons } from './helpers/reason-check.js'

/**
 * Finds out once which services answer. Suites for a missing service are skipped, with one
 * line saying so; when SLACKGATE_REQUIRE_SERVICES lists it (CI does), the run fails instead.
 *
 * Also gives the run a directory where each test file records the reason codes its passing
 * assertions observed (helpers/record-reasons.setup.ts). At the end of a whole-suite run,
 * a code of the catalogue that no test observed fails the run (or, when a service was
 * missing and its suites skipped, is named without failing it).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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

  const reasonsDir = mkdtempSync(join(tmpdir(), 'slackgate-reasons-'))
  project.provide('reasonsDir', reasonsDir)
  return async function checkReasonsObserved() {
    try {
      if (!(await ranWholeSuite(project))) return
      const missing = unobservedReasons(readObservedReasons(reasonsDir))
      if (missing.length === 0) return
      const message = `Reason codes that no test produced and asserted: ${missing.join(', ')}`
      if (!(redis && redisServer && postgres)) {
        process.stdout.write(`${message} (not failing this run: the suites of a missing service were skipped)\n`)
        return
      }
      // Vitest logs an error thrown by a teardown but exits 0: set the exit code ourselves.
      process.stderr.write(`\n${message}\n`)
      process.exitCode = 1
    } finally {
      rmSync(reasonsDir, { recursive: true, force: true })
    }
  }
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
    /** Where this run's test files record the reason codes they observed. */
    reasonsDir: string
  }
}

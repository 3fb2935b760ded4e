import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSqliteJobQueue } from '../../src/dispatch/job-queue.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { LEAKED_SECRETS, LEAKY_ERROR, newJob, waitFor } from '../contract/job-queue.contract.js'
import { runCli } from '../helpers/cli.js'
import { REDIS_URL, redisAvailable } from '../helpers/redis.js'

describe('slackgate jobs', () => {
  it('lists dead letters, retries one and drops another, without a signing secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-jobs-'))
    writeFileSync(join(dir, 'slackgate.yaml'), 'dataDir: ./data\n')
    const db = openSqliteDatabase(join(dir, 'data', 'slackgate.db'))
    const queue = createSqliteJobQueue(db, { pollIntervalMs: 20 })
    const [a, b] = [newJob({ maxAttempts: 1, route: 'deploy' }), newJob({ maxAttempts: 1, route: 'mentions' })]
    await queue.enqueue(a)
    await queue.enqueue(b)
    const consumer = queue.consume(async () => ({ ok: false, permanent: false, error: 'HTTP 502 from billing' }), { concurrency: 2 })
    await waitFor(async () => (await queue.list({ state: 'dead' })).length === 2)
    await consumer.stop()

    const args = ['--config', join(dir, 'slackgate.yaml')]
    const list = runCli(['jobs', 'list', '--state', 'dead', ...args])
    expect(list.status).toBe(0)
    expect(list.stdout).toContain(a.id)
    expect(list.stdout).toContain('HTTP 502 from billing')
    const json = runCli(['jobs', 'list', '--json', ...args]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string })
    expect(json.map((j) => j.state)).toEqual(['dead', 'dead'])

    expect(runCli(['jobs', 'retry', a.id, ...args])).toMatchObject({ status: 0, stdout: `job ${a.id} queued again\n` })
    expect(runCli(['jobs', 'drop', b.id, ...args])).toMatchObject({ status: 0, stdout: `job ${b.id} dropped\n` })
    expect(await queue.list()).toEqual([expect.objectContaining({ id: a.id, state: 'queued', attempts: 0 })])

    const missing = runCli(['jobs', 'retry', 'no-such-job', ...args])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('no dead job no-such-job')
    expect(runCli(['jobs', 'list', '--state', 'zombie', ...args]).status).toBe(2)
    db.close()
  })

  it("prints a handler's error scrubbed, a row stored before scrubbing included", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-jobs-'))
    writeFileSync(join(dir, 'slackgate.yaml'), 'dataDir: ./data\n')
    const db = openSqliteDatabase(join(dir, 'data', 'slackgate.db'))
    const queue = createSqliteJobQueue(db, { pollIntervalMs: 20 })
    const [thrown, legacy] = [newJob({ maxAttempts: 1, route: 'explode' }), newJob({ maxAttempts: 1, route: 'legacy' })]
    await queue.enqueue(thrown)
    await queue.enqueue(legacy)
    const consumer = queue.consume(async () => {
      throw new Error(LEAKY_ERROR)
    }, { concurrency: 2 })
    await waitFor(async () => (await queue.list({ state: 'dead' })).length === 2)
    await consumer.stop()
    // As an older slackgate left it: the raw text in the column.
    db.handle.prepare('UPDATE jobs SET last_error = ? WHERE id = ?').run(LEAKY_ERROR, legacy.id)
    db.close()

    const args = ['--config', join(dir, 'slackgate.yaml')]
    for (const format of [[], ['--json']]) {
      const list = runCli(['jobs', 'list', ...format, ...args])
      expect(list.status).toBe(0)
      expect(list.stdout).toContain(thrown.id)
      expect(list.stdout).toContain(legacy.id)
      expect(list.stdout.match(/upstream refused \[redacted\]/g)).toHaveLength(2)
      for (const secret of LEAKED_SECRETS) expect(list.stdout + list.stderr).not.toContain(secret)
    }
  })

  it.skipIf(!redisAvailable)('refuses a queue in a Redis database the server does not have, instead of listing another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-jobs-'))
    writeFileSync(join(dir, 'slackgate.yaml'), `queue: { store: "${REDIS_URL.replace(/\/\d*$/, '')}/999", redisPersistence: volatile }\n`)
    const list = runCli(['jobs', 'list', '--config', join(dir, 'slackgate.yaml')])
    expect(list.status).toBe(2)
    expect(list.stderr).toContain('queue.store: the database number in the URL does not exist on the server at redis://')
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSqliteJobQueue } from '../../src/dispatch/job-queue.sqlite.js'
import { openSqliteDatabase } from '../../src/storage/sqlite-database.js'
import { newJob, waitFor } from '../contract/job-queue.contract.js'
import { runCli } from '../helpers/cli.js'

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
})

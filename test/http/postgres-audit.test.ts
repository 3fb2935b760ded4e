import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { postgresAvailable } from '../helpers/postgres.js'
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/postgres-database.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

const FORM = 'application/x-www-form-urlencoded'
let database: TestDatabase
let sink: Sink
let t: TestApp
let file: string

// The gateway as `slackgate start` assembles it from a config naming a PostgreSQL audit
// store: every request and delivery is recorded there, and the CLI reads it back.
describe.skipIf(!postgresAvailable)('a gateway with its audit log in PostgreSQL', () => {
  beforeAll(async () => {
    database = await createTestDatabase()
    sink = await startSink()
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-pgaudit-'))
    file = join(dir, 'slackgate.yaml')
    writeFileSync(
      file,
      `audit: { store: "${database.url}" }
routes:
  - name: deploy
    match: { command: /deploy }
    public: true
    forward: { url: ${sink.url} }
`,
    )
    t = await testApp({ file, dataDir: join(dir, 'data'), workers: true })
  })

  afterAll(async () => {
    await t?.close()
    await sink?.close()
    await database?.drop()
  })

  it('records each request and delivery over HTTP, and the CLI verifies and queries the chain', async () => {
    const body = form(commandFields)
    const ok = await t.app.inject({ method: 'POST', url: '/slack/commands', payload: body, headers: slackHeaders(body, { contentType: FORM }) })
    expect(ok.statusCode).toBe(200)
    const forged = slackHeaders(body, { contentType: FORM, secret: 'leaktest-forged-secret-000000000000' })
    const refused = await t.app.inject({ method: 'POST', url: '/slack/commands', payload: body, headers: forged })
    expect(refused.statusCode).toBe(401)
    await waitFor(async () => (await readAll(t.gateway.stores.audit)).some((r) => r.kind === 'delivery'))
    expect(sink.received).toHaveLength(1)

    // In the database itself, not only as the adapter reads it.
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const { rows } = await client.query<{ kind: string; verdict: string }>('SELECT kind, verdict FROM slackgate_audit_log ORDER BY seq')
    await client.end()
    expect(rows).toEqual(
      expect.arrayContaining([
        { kind: 'request', verdict: 'accepted' },
        { kind: 'request', verdict: 'rejected' },
        { kind: 'delivery', verdict: 'delivered' },
      ]),
    )

    const verify = runCli(['audit', 'verify', '--config', file])
    expect(verify.status, verify.stderr).toBe(0)
    expect(JSON.parse(verify.stdout)).toEqual({ ok: true, records: rows.length, head: { seq: rows.length, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } })
    const query = runCli(['audit', 'query', '--verdict', 'accepted', '--config', file])
    expect(query.status, query.stderr).toBe(0)
    const accepted = query.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(accepted).toEqual([expect.objectContaining({ kind: 'request', type: '/deploy', route: 'deploy' })])
  })

  it('the CLI names the fix for an audit database that does not exist', () => {
    const missing = `${database.name}_missing`
    writeFileSync(file, `audit: { store: "${databaseUrl(missing)}" }\n`)
    const out = runCli(['audit', 'verify', '--config', file])
    expect(out.status).toBe(2)
    expect(out.stderr).toContain(`audit.store: database "${missing}" does not exist at postgres://`)
    expect(out.stderr).toContain(`create it (CREATE DATABASE "${missing}")`)
  })
})

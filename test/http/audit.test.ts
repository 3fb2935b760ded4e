import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StoredAuditRecord } from '../../src/audit/audit-record.js'
import { ChainVerifier } from '../../src/audit/chain.js'
import { readAll } from '../contract/audit-log.contract.js'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'

const FORM = 'application/x-www-form-urlencoded'

let dir: string
let sink: Sink
let t: TestApp

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-audit-http-'))
  sink = await startSink()
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `routes:
  - name: deploy
    match: { command: /deploy }
    forward: { url: ${sink.url} }
    access:
      rules: [{ name: deployers, workspaces: [T0001], users: [U0001] }]
  - name: mentions
    match: { event: app_mention }
    forward: { url: ${sink.url} }
    public: true
    audit: { storePayload: true }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true })
})

afterEach(async () => {
  await t.close()
  await sink.close()
})

const records = () => readAll(t.gateway.stores.audit)

function command(fields: Record<string, string> = {}, options: { secret?: string } = {}) {
  const body = form({ ...commandFields, trigger_id: `${Math.random()}`, ...fields })
  const headers = slackHeaders(body, { contentType: FORM, ...options })
  return { body, headers, send: () => t.app.inject({ method: 'POST', url: '/slack/commands', headers, payload: body }) }
}

function event(envelope: Record<string, unknown>) {
  const body = JSON.stringify(eventEnvelope({ event_id: `Ev${Math.random()}`.replace('.', ''), ...envelope }))
  return t.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(body), payload: body })
}

describe('the audit log over HTTP', () => {
  it('records an accepted command before its 200, then its delivery; no signature in either', async () => {
    const c = command()
    const res = await c.send()
    expect(res.statusCode).toBe(200)
    const [request] = await records()
    expect(request).toMatchObject({
      seq: 1,
      at: NOW * 1000,
      kind: 'request',
      requestId: expect.any(String),
      source: 'commands',
      verdict: 'accepted',
      type: '/deploy',
      teamId: 'T0001',
      channelId: 'C0001',
      userId: 'U0001',
      route: 'deploy',
      rule: 'deployers',
      jobId: expect.any(String),
      bodySha256: createHash('sha256').update(c.body).digest('hex'),
    })
    expect(request?.payload).toBeUndefined()
    const signature = c.headers['x-slack-signature'] as string
    expect(request?.nonceKeys).toEqual([expect.stringMatching(/^sig#[0-9a-f]{32}$/), expect.stringMatching(/^trigger:/)])
    await waitFor(async () => (await records()).length === 2)
    const delivery = (await records())[1] as StoredAuditRecord
    expect(delivery).toMatchObject({ kind: 'delivery', verdict: 'delivered', requestId: request?.requestId, jobId: request?.jobId, route: 'deploy', attempt: 1, target: sink.url, userId: 'U0001' })
    const all = JSON.stringify(await records())
    expect(all).not.toContain(signature.slice(3))
    expect(all).not.toContain(signature.slice(3, 20))
  })

  it('records a forged request with its reason and nothing from its unverified body', async () => {
    const res = await command({ user_id: 'UFORGER' }, { secret: 'not-the-secret' }).send()
    expect(res.statusCode).toBe(401)
    const [r] = await records()
    expect(r).toMatchObject({ kind: 'request', source: 'commands', verdict: 'rejected', reason: 'signature_mismatch', bodySha256: expect.any(String) })
    expect(r).not.toHaveProperty('userId')
    expect(r).not.toHaveProperty('teamId')
    expect(r).not.toHaveProperty('type')
  })

  it('records a policy denial with its rule, and a duplicate', async () => {
    const statuses = [(await command({ user_id: 'U0002' }).send()).statusCode]
    const c = command()
    statuses.push((await c.send()).statusCode, (await c.send()).statusCode)
    // A denial and a duplicate are acked like an accepted request: Slack must not retry them.
    expect(statuses).toEqual([200, 200, 200])
    const requests = (await records()).filter((r) => r.kind === 'request')
    expect(requests.map((r) => [r.verdict, r.reason, r.rule])).toEqual([
      ['denied', 'user_not_allowed', 'deployers'],
      ['accepted', undefined, 'deployers'],
      ['duplicate', 'duplicate', 'deployers'],
    ])
  })

  it('marks lifecycle events, routed or not, and keeps the payload of a route that opted in (without its token)', async () => {
    const rl = JSON.stringify({ type: 'app_rate_limited', team_id: 'T0001', minute_rate_limited: 1518467820, api_app_id: 'A1' })
    const answers = [
      await event({ token: 'legacy-verification-token', event: { type: 'app_uninstalled' } }),
      await event({ event: { type: 'tokens_revoked', tokens: { bot: ['U1'] } } }),
      await t.app.inject({ method: 'POST', url: '/slack/events', headers: slackHeaders(rl), payload: rl }),
      await event({ token: 'legacy-verification-token' }),
    ]
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200])
    const all = (await records()).filter((r) => r.kind !== 'delivery')
    expect(all.map((r) => [r.kind, r.type, r.verdict])).toEqual([
      ['lifecycle', 'app_uninstalled', 'unrouted'],
      ['lifecycle', 'tokens_revoked', 'unrouted'],
      ['lifecycle', 'app_rate_limited', 'unrouted'],
      ['request', 'app_mention', 'accepted'],
    ])
    expect(JSON.parse(all[3]?.payload ?? '{}')).toMatchObject({ type: 'event_callback', event: { type: 'app_mention' } })
    expect(all[0]?.payload).toBeUndefined()
    expect(JSON.stringify(all)).not.toContain('legacy-verification-token')
  })

  it('keeps one valid chain across all of it', async () => {
    const answers = await Promise.all([command().send(), command({ user_id: 'U0002' }).send(), event({}), command({}, { secret: 'x'.repeat(40) }).send()])
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 401])
    await waitFor(async () => (await records()).length >= 6)
    const verifier = new ChainVerifier()
    verifier.push(await records())
    expect(verifier.finish()).toBeUndefined()
    const health = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(health.json()).toMatchObject({ checks: { audit: 'ok' } })
  })

  it('answers 503 audit_unavailable when the record cannot be written (fail closed)', async () => {
    // Another connection takes the table away, as a broken disk or a hostile edit would.
    const raw = new Database(join(dir, 'data', 'slackgate.db'))
    raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; ALTER TABLE audit_log RENAME TO audit_log_moved')
    raw.close()
    const res = await command().send()
    expect([res.statusCode, res.json()]).toEqual([503, { error: 'audit_unavailable' }])
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 503, verdict: 'rejected', reason: 'audit_unavailable' })
  })
})

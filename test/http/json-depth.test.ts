import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { eventEnvelope, form, NOW, slackHeaders } from '../helpers/signing.js'
import { MAX_JSON_DEPTH } from '../../src/slack/json-depth.js'

const GH = 'github-webhook-secret-0123456789'
const WF = 'workflow-shared-secret-that-is-32-bytes-long'
const FORM = 'application/x-www-form-urlencoded'

let t: TestApp
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-depth-'))
  // Every request here matches a route, so a body that got past decoding would be queued
  // (and never delivered: no workers run).
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `sources:
  - { name: github, preset: github, secrets: [{ ref: env:GH }] }
routes:
  - { name: mention, match: { event: app_mention }, forward: { url: 'http://127.0.0.1:9/' }, public: true }
  - { name: approve, match: { action: approve }, forward: { url: 'http://127.0.0.1:9/' }, public: true }
  - { name: gh, match: { hook: github }, forward: { url: 'http://127.0.0.1:9/' }, public: true }
  - name: nightly
    match: { workflow: nightly }
    public: true
    forward: { url: 'http://127.0.0.1:9/' }
    jwt: { algorithms: [HS256], secret: { ref: env:WF } }
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), env: { GH, WF } })
})
afterAll(async () => {
  await t.close()
})

/** `{"a":{"a":…1…}}` with `depth` objects (or `[[…1…]]` arrays), as JSON text. */
function nested(depth: number, array = false): string {
  return array ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** `value` as JSON, with the placeholder string `"INNER"` replaced by the JSON text `inner`. */
function withInner(value: unknown, inner: string): string {
  return JSON.stringify(value).replace('"INNER"', inner)
}

const deep = 5000

const routes: Array<[string, (inner: string) => Promise<{ statusCode: number; json(): unknown }>]> = [
  [
    'a Slack event',
    (inner) => {
      const body = withInner(eventEnvelope({ event: { type: 'app_mention', user: 'U1', channel: 'C1', text: 'hi', extra: 'INNER' } }), inner)
      return t.app.inject({ method: 'POST', url: '/slack/events', payload: body, headers: slackHeaders(body) })
    },
  ],
  [
    "a Slack interaction's payload=",
    (inner) => {
      const body = form({
        payload: withInner({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, actions: [{ action_id: 'approve', value: 'INNER' }] }, inner),
      })
      return t.app.inject({ method: 'POST', url: '/slack/interactions', payload: body, headers: slackHeaders(body, { contentType: FORM }) })
    },
  ],
  [
    'a workflow endpoint body',
    async (inner) => {
      const token = await new SignJWT({ sub: 'svc', jti: `j-${Math.random()}` }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(NOW).setExpirationTime(NOW + 300).sign(Buffer.from(WF))
      return t.app.inject({
        method: 'POST',
        url: '/workflows/nightly',
        payload: withInner({ inner: 'INNER' }, inner),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      })
    },
  ],
  [
    'a webhook body',
    (inner) => {
      const body = withInner({ ref: 'main', inner: 'INNER' }, inner)
      const sig = `sha256=${createHmac('sha256', GH).update(body).digest('hex')}`
      return t.app.inject({
        method: 'POST',
        url: '/hooks/github',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig, 'x-github-delivery': `d-${Math.random()}`, 'x-github-event': 'push' },
      })
    },
  ],
]

describe.each(routes)('JSON nesting in %s', (_name, send) => {
  it(`refuses ${deep} levels of objects with 400 malformed_body, at decode`, async () => {
    const res = await send(nested(deep))
    expect([res.statusCode, res.json()]).toEqual([400, { error: 'malformed_body' }])
  })

  it(`refuses ${deep} levels of arrays with 400 malformed_body`, async () => {
    const res = await send(nested(deep, true))
    expect([res.statusCode, res.json()]).toEqual([400, { error: 'malformed_body' }])
  })

  it('refuses one level past the limit, counting the whole body, and accepts a shallow body', async () => {
    // The envelope around `inner` adds levels of its own, so the limit is crossed somewhere
    // inside `inner` at MAX_JSON_DEPTH; a body of depth MAX_JSON_DEPTH + 1 is always refused.
    expect((await send(nested(MAX_JSON_DEPTH))).statusCode).toBe(400)
    const ok = await send(nested(3))
    expect(ok.statusCode).toBe(200)
  })
})

import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, SignJWT, type JWK } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { openSocket, readResponse } from '../helpers/raw-http.js'
import { NOW } from '../helpers/signing.js'
import { startSink, type Sink } from '../helpers/sink.js'
import { waitForQueueIdle } from '../helpers/queue-idle.js'
import { rotateKeyFile, KEY_FILE } from '../../src/keys/key-file.js'
import { GatewayTokenError, verifyGatewayToken } from '../../src/verify/gateway-token.js'

const SRC = new URL('../../src/index.js', import.meta.url).pathname
const ISS = 'https://idp.example'
const HS_SECRET = 'workflow-shared-secret-that-is-32-bytes-long'
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const esNext = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })

/** The caller's identity provider: serves its JWKS on loopback. */
let idp: Server
let idpKeys: JWK[] = []
let idpUrl: string
let sink: Sink
let dir: string
let t: TestApp
let clock = NOW

beforeAll(async () => {
  idp = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: idpKeys }))
  })
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r))
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`
})
afterAll(() => new Promise<void>((r) => idp.close(() => r())))

async function jwk(key: KeyObject, kid: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid }
}

beforeEach(async () => {
  clock = NOW
  idpKeys = [await jwk(es.publicKey, 'es-1')]
  dir = mkdtempSync(join(tmpdir(), 'slackgate-wf-'))
  sink = await startSink()
  writeFileSync(
    join(dir, 'handlers.ts'),
    `import { appendFileSync } from 'node:fs'
import { defineHandlers } from ${JSON.stringify(SRC)}
export default defineHandlers((gateway) => {
  gateway.workflow('nightly', async ({ request, job }) => {
    appendFileSync(${JSON.stringify(join(dir, 'runs.jsonl'))}, JSON.stringify({ subject: request.identity.subject, scopes: request.identity.scopes, team: request.context.teamId, payload: request.payload, job: job.id }) + '\\n')
  })
})
`,
  )
  writeFileSync(
    join(dir, 'slackgate.yaml'),
    `tokens: { algorithm: RS256 }
routes:
  - name: approve-payment
    match: { workflow: approve-payment }
    public: true
    forward: { url: ${sink.url}, audience: payments }
    jwt:
      algorithms: [ES256]
      jwks: { url: ${idpUrl} }
      issuer: ${ISS}
      audience: slackgate
      scopes: [payments:approve]
      maxLifetimeSeconds: 600
    schema:
      type: object
      required: [amount]
      properties: { amount: { type: number, minimum: 1 } }
  - name: nightly
    match: { workflow: nightly }
    public: true
    handler: ./handlers.ts
    jwt:
      algorithms: [HS256]
      secret: { ref: env:WF_SECRET }
  - name: offline-idp
    match: { workflow: offline-idp }
    public: true
    forward: { url: ${sink.url} }
    jwt:
      algorithms: [ES256]
      jwks: { url: "http://127.0.0.1:9/jwks.json", timeoutMs: 500 }
      issuer: ${ISS}
      audience: slackgate
`,
  )
  t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), workers: true, env: { WF_SECRET: HS_SECRET }, clock: () => clock })
})

afterEach(async () => {
  await t.close()
  await sink.close()
})

interface Mint {
  key?: KeyObject
  kid?: string
  alg?: string
  claims?: Record<string, unknown>
  iat?: number
  exp?: number | null
}

async function token({ key = es.privateKey, kid = 'es-1', alg = 'ES256', claims = {}, iat = NOW, exp = NOW + 300 }: Mint = {}): Promise<string> {
  const jwt = new SignJWT({ iss: ISS, aud: 'slackgate', sub: 'svc-workflows', jti: `jti-${Math.random()}`, scope: 'payments:approve', ...claims })
    .setProtectedHeader({ alg, kid })
    .setIssuedAt(iat)
  if (exp !== null) jwt.setExpirationTime(exp)
  return jwt.sign(key)
}

function call(name: string, bearer: string | undefined, body: unknown = { amount: 42 }, contentType = 'application/json') {
  return t.app.inject({
    method: 'POST',
    url: `/workflows/${name}`,
    headers: { 'content-type': contentType, ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('POST /workflows/:name', () => {
  it('accepts a valid token, queues the work and forwards it with a token minted by the gateway', async () => {
    const res = await call('approve-payment', await token({ claims: { team_id: 'T1' } }))
    expect(res.statusCode).toBe(200)
    const { jobId } = res.json() as { jobId: string }
    expect(res.json()).toEqual({ ok: true, jobId: expect.any(String) })
    await waitFor(() => sink.received.length === 1)
    const forwarded = sink.received[0]!
    expect(forwarded.body).toMatchObject({
      jobId,
      route: 'approve-payment',
      request: { kind: 'workflow', workflow: 'approve-payment', payload: { amount: 42 }, identity: { subject: 'svc-workflows' }, context: { teamId: 'T1' } },
    })

    // The service verifies the gateway's token with jsonwebtoken and the key from the JWKS.
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: JWK[] }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).not.toHaveProperty('d')
    const bearer = String(forwarded.headers.authorization).replace(/^Bearer /, '')
    const publicKey = createPublicKey({ key: jwks.keys[0] as import('node:crypto').JsonWebKey, format: 'jwk' })
    const claims = jsonwebtoken.verify(bearer, publicKey, { algorithms: ['RS256'], audience: 'payments', issuer: 'slackgate', clockTimestamp: NOW }) as Record<string, unknown>
    expect(claims).toMatchObject({
      sub: 'svc-workflows',
      jti: jobId,
      route: 'approve-payment',
      team_id: 'T1',
      iat: NOW,
      exp: NOW + 60,
      body_sha256: createHash('sha256').update(forwarded.raw).digest('base64url'),
    })
  })

  it('runs a single-use token once: the same token again is a duplicate, acked and not run', async () => {
    const bearer = await token()
    expect((await call('approve-payment', bearer)).json()).toMatchObject({ ok: true, jobId: expect.any(String) })
    const again = await call('approve-payment', bearer, { amount: 99 })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ ok: true, duplicate: true })
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(sink.received).toHaveLength(1)
  })

  it('gives the verified identity and body to an SDK handler (HS256 endpoint)', async () => {
    const bearer = jsonwebtoken.sign({ sub: 'scheduler', jti: 'n-1', scope: 'jobs:run', team_id: 'T9' }, HS_SECRET, { algorithm: 'HS256', expiresIn: 60 })
    // jsonwebtoken stamps the real time: move the gateway's clock there.
    clock = Math.floor(Date.now() / 1000)
    const res = await call('nightly', bearer, { run: 'reports' })
    expect(res.statusCode).toBe(200)
    const runs = join(dir, 'runs.jsonl')
    await waitFor(() => existsSync(runs))
    expect(JSON.parse(readFileSync(runs, 'utf8'))).toMatchObject({ subject: 'scheduler', scopes: ['jobs:run'], team: 'T9', payload: { run: 'reports' } })
  })

  it('picks up a new kid from the caller JWKS without a restart', async () => {
    const rotated = await token({ key: esNext.privateKey, kid: 'es-2' })
    expect((await call('approve-payment', rotated)).json()).toEqual({ error: 'unknown_kid' })
    idpKeys = [...idpKeys, await jwk(esNext.publicKey, 'es-2')]
    // Within the refetch cooldown (10 s at least, 30 s by default) the key set is not asked again.
    expect((await call('approve-payment', await token({ key: esNext.privateKey, kid: 'es-2' }))).json()).toEqual({ error: 'unknown_kid' })
    // jose times the cooldown by Date.now(): move that clock (only) past it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 })
    try {
      expect((await call('approve-payment', await token({ key: esNext.privateKey, kid: 'es-2' }))).statusCode).toBe(200)
    } finally {
      vi.useRealTimers()
    }
  })

  it.each([
    ['missing_token', 401, async (): Promise<string | undefined> => undefined],
    ['malformed_token', 401, async (): Promise<string | undefined> => 'not.a-token'],
    ['bad_signature', 401, async () => token({ key: stranger.privateKey })],
    ['expired', 401, async () => token({ iat: NOW - 400, exp: NOW - 60 })],
    ['not_yet_valid', 401, async () => token({ claims: { nbf: NOW + 120 } })],
    ['wrong_issuer', 401, async () => token({ claims: { iss: 'https://evil.example' } })],
    ['wrong_audience', 401, async () => token({ claims: { aud: 'another-gateway' } })],
    ['alg_not_allowed', 401, async () => jsonwebtoken.sign({ iss: ISS, aud: 'slackgate', exp: NOW + 60 }, HS_SECRET, { algorithm: 'HS256' })],
    ['unknown_kid', 401, async () => token({ kid: 'es-9' })],
    ['token_too_long_lived', 401, async () => token({ exp: NOW + 3600 })],
    ['missing_claim', 401, async () => token({ claims: { jti: undefined } })],
    ['insufficient_scope', 403, async () => token({ claims: { scope: 'payments:read' } })],
  ] as const)('answers %s with %i, and nothing runs', async (reason, status, make) => {
    const res = await call('approve-payment', await make())
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ error: reason })
    expect(res.headers['www-authenticate']).toBe(status === 403 ? 'Bearer error="insufficient_scope"' : 'Bearer error="invalid_token"')
    const line = t.requestLogs().at(-1)
    expect(line).toMatchObject({ verdict: 'rejected', reason, kind: 'workflow' })
    await waitForQueueIdle(() => t.gateway.stores.queue.counts())
    expect(sink.received).toHaveLength(0)
  })

  it('answers 503 jwks_unavailable when the caller key set cannot be fetched (fail closed)', async () => {
    const res = await call('offline-idp', await token())
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ error: 'jwks_unavailable' })
  })

  it('validates the body: not JSON is 400 malformed_body, against the schema 400 invalid_payload, other types 415', async () => {
    const malformed = await call('approve-payment', await token(), '{"amount":')
    expect([malformed.statusCode, malformed.json()]).toEqual([400, { error: 'malformed_body' }])
    const invalid = await call('approve-payment', await token(), { amount: 0 })
    expect(invalid.statusCode).toBe(400)
    expect(invalid.json()).toEqual({ error: 'invalid_payload' })
    expect(t.requestLogs().at(-1)).toMatchObject({ reason: 'invalid_payload', detail: 'body/amount must be >= 1' })
    const array = await call('approve-payment', await token(), [1, 2])
    expect([array.statusCode, array.json()]).toEqual([400, { error: 'invalid_payload' }])
    expect((await call('approve-payment', await token(), 'amount=1', 'application/x-www-form-urlencoded')).statusCode).toBe(415)
  })

  it.each([
    ['another valid token', true],
    ['the same token again', false],
  ])('refuses an Authorization header sent twice on the wire (%s) with 401 malformed_token, and queues nothing', async (_name, distinct) => {
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const first = await token()
    const second = distinct ? await token() : first
    const body = JSON.stringify({ amount: 42 })
    const socket = await openSocket((t.app.server.address() as AddressInfo).port)
    const response = readResponse(socket)
    socket.write(
      [
        'POST /workflows/approve-payment HTTP/1.1',
        'Host: 127.0.0.1',
        'Connection: close',
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        `Authorization: Bearer ${first}`,
        `authorization: Bearer ${second}`,
        '',
        body,
      ].join('\r\n'),
    )
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 401 /)
    expect(text).toMatch(/www-authenticate: Bearer error="invalid_token"/i)
    expect(text).toContain('{"error":"malformed_token"}')
    expect(t.requestLogs()).toEqual([expect.objectContaining({ status: 401, verdict: 'rejected', reason: 'malformed_token' })])
    // Either token alone is good: the refusal is the repeat's, not the token's.
    expect((await call('approve-payment', first)).statusCode).toBe(200)
  })

  it('answers 404 for a workflow that is not configured', async () => {
    expect((await call('transfer-all', await token())).statusCode).toBe(404)
  })

  it('a token the schema rejected was not used up: the caller can fix the body and send it again', async () => {
    const bearer = await token()
    expect((await call('approve-payment', bearer, { amount: -1 })).statusCode).toBe(400)
    expect((await call('approve-payment', bearer, { amount: 5 })).json()).toMatchObject({ ok: true })
  })
})

describe('gateway tokens and key rotation', () => {
  it('verifyGatewayToken accepts a forward, refuses a changed body, and old-key tokens verify during the grace period only', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const jwksUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/.well-known/jwks.json`
    const options = { jwksUrl, issuer: 'slackgate', audience: 'payments', clockToleranceSeconds: 0 }
    // verifyGatewayToken uses the real clock: so does the gateway in this test.
    clock = Math.floor(Date.now() / 1000)
    expect((await call('approve-payment', await token({ iat: clock, exp: clock + 300 }))).statusCode).toBe(200)
    await waitFor(() => sink.received.length === 1)
    const first = sink.received[0]!
    const asReceived = { headers: first.headers, body: first.raw }
    const claims = await verifyGatewayToken(asReceived, options)
    expect(claims).toMatchObject({ route: 'approve-payment', subject: 'svc-workflows', jobId: first.body.jobId })
    const webRequest = new Request('http://svc/slack', { method: 'POST', headers: { authorization: String(first.headers.authorization) }, body: first.raw })
    expect((await verifyGatewayToken(webRequest, options)).jobId).toBe(first.body.jobId)
    await expect(verifyGatewayToken({ headers: first.headers, body: first.raw.replace('42', '43') }, options)).rejects.toThrow(GatewayTokenError)
    await expect(verifyGatewayToken({ headers: first.headers, body: first.raw.replace('42', '43') }, options)).rejects.toMatchObject({ code: 'body_mismatch' })
    await expect(verifyGatewayToken(asReceived, { ...options, audience: 'someone-else' })).rejects.toMatchObject({ code: 'wrong_audience' })
    // A repeated Authorization header is refused, not picked from: fetch joins repeats, and
    // Node's rawHeaders lists them (its `headers` keeps the first only).
    const bearer = String(first.headers.authorization)
    const twice = new Headers([['authorization', bearer], ['authorization', bearer]])
    await expect(verifyGatewayToken(new Request('http://svc/slack', { method: 'POST', headers: twice, body: first.raw }), options)).rejects.toMatchObject({ code: 'malformed_token' })
    await expect(verifyGatewayToken({ headers: twice, body: first.raw }, options)).rejects.toMatchObject({ code: 'malformed_token' })
    const rawHeaders = ['Authorization', bearer, 'authorization', bearer]
    await expect(verifyGatewayToken({ headers: first.headers, rawHeaders, body: first.raw }, options)).rejects.toMatchObject({ code: 'malformed_token' })
    expect((await verifyGatewayToken({ headers: first.headers, rawHeaders: ['Authorization', bearer], body: first.raw }, options)).jobId).toBe(first.body.jobId)

    // Rotate (to EdDSA, from this config's RS256): the new key signs; the old one stays
    // published for the grace period.
    const oldKid = t.gateway.signingKeys.signer().kid
    const { added } = await rotateKeyFile(join(t.config.dataDir, KEY_FILE), 'EdDSA', 2, new Date())
    await t.gateway.signingKeys.refresh()
    expect(t.gateway.signingKeys.signer().kid).toBe(added.kid)
    const kids = () => t.gateway.signingKeys.jwks().keys.map((k) => k.kid)
    expect(kids()).toEqual([oldKid, added.kid])
    expect((await verifyGatewayToken(asReceived, options)).jobId).toBe(first.body.jobId)

    expect((await call('approve-payment', await token({ iat: clock, exp: clock + 300 }))).statusCode).toBe(200)
    await waitFor(() => sink.received.length === 2)
    const second = sink.received[1]!
    expect(JSON.parse(Buffer.from(String(second.headers.authorization).split('.')[0]!.slice(7), 'base64url').toString())).toMatchObject({ kid: added.kid })

    // After the grace period the old key is gone from the JWKS: its tokens no longer verify.
    await new Promise((r) => setTimeout(r, 2100))
    // The gateway's clock is in whole seconds: round up past the retirement instant.
    clock = Math.ceil(Date.now() / 1000)
    expect(kids()).toEqual([added.kid])
    const fresh = { ...options, audience: 'payments', clockToleranceSeconds: 1 }
    await expect(verifyGatewayToken(asReceived, fresh)).rejects.toMatchObject({ code: 'unknown_kid' })
    expect((await verifyGatewayToken({ headers: second.headers, body: second.raw }, fresh)).jobId).toBe(second.body.jobId)
  })

  it('creates its signing key file owner-only, and keeps the key across restarts', async () => {
    const file = join(t.config.dataDir, KEY_FILE)
    const { statSync } = await import('node:fs')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const kid = t.gateway.signingKeys.signer().kid
    await t.close()
    t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data'), env: { WF_SECRET: HS_SECRET }, clock: () => clock })
    expect(t.gateway.signingKeys.signer().kid).toBe(kid)
  })
})

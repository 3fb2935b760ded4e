import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSigningSecret,
  createSlackRequestVerifier,
  createSlackSignatureVerifier,
  slackVerification,
  slackVerificationMiddleware,
  verifySlackSignature,
  type SlackSignatureInput,
} from '../../src/index.js'
import { createApprovalService } from '../../examples/fastify-gateway-token.js'
import { createExpressSlackApp } from '../../examples/express-slack.js'
import { createSlashCommandServer } from '../../examples/node-http-slack.js'
import { openSocket, readResponse } from '../helpers/raw-http.js'
import { commandFields, eventEnvelope, form, NOW, OTHER_SECRET, SECRET, slackHeaders } from '../helpers/signing.js'

const FORM = 'application/x-www-form-urlencoded'
const options = { secrets: [SECRET], clock: () => NOW, bodyLimit: 4096 }
const commandBody = form(commandFields)
const eventBody = JSON.stringify(eventEnvelope())

describe('Fastify plugin', () => {
  async function app() {
    const fastify = Fastify()
    await fastify.register(async (slack) => {
      await slack.register(slackVerification, options)
      slack.post('/slack/commands', async (request) => ({ body: request.body, raw: request.slackRawBody?.length, secretIndex: request.slackVerification?.secretIndex }))
      slack.post('/slack/events', async (request) => ({ body: request.body }))
    })
    fastify.post('/unprotected', async () => 'open')
    return fastify
  }

  it('hands the parsed form, the raw bytes and the result to the handler', async () => {
    const fastify = await app()
    const res = await fastify.inject({ method: 'POST', url: '/slack/commands', payload: commandBody, headers: slackHeaders(commandBody, { contentType: FORM }) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ body: commandFields, raw: commandBody.length, secretIndex: 0 })
  })

  it('parses JSON after verifying it', async () => {
    const fastify = await app()
    const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: eventBody, headers: slackHeaders(eventBody) })
    expect(res.json()).toEqual({ body: eventEnvelope() })
  })

  it('rejects a forged request before the handler, with the reason code', async () => {
    const fastify = await app()
    const res = await fastify.inject({ method: 'POST', url: '/slack/commands', payload: commandBody, headers: slackHeaders(commandBody, { contentType: FORM, secret: OTHER_SECRET }) })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'signature_mismatch' })
  })

  it('rejects a request with no body and no signature', async () => {
    const fastify = await app()
    const res = await fastify.inject({ method: 'POST', url: '/slack/commands' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'missing_signature' })
  })

  it('answers 400 when a verified body cannot be parsed', async () => {
    const fastify = await app()
    const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: '{nope', headers: slackHeaders('{nope') })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
  })

  it('enforces its body limit with 413', async () => {
    const fastify = await app()
    const big = 'a'.repeat(5000)
    const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: big, headers: slackHeaders(big) })
    expect(res.statusCode).toBe(413)
  })

  it('answers 413 {"error":"body_too_large"} like the other forms, also for a chunked body over a real socket', async () => {
    const fastify = await app()
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    try {
      const socket = await openSocket((fastify.server.address() as AddressInfo).port)
      const response = readResponse(socket)
      const headers = slackHeaders('x')
      const chunk = 'a'.repeat(3000)
      socket.write(
        [
          'POST /slack/events HTTP/1.1',
          'Host: 127.0.0.1',
          'Content-Type: application/json',
          'Transfer-Encoding: chunked',
          `X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}`,
          `X-Slack-Signature: ${headers['x-slack-signature']}`,
          '',
          `${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
        ].join('\r\n'),
      )
      const text = await response
      socket.destroy()
      expect(text).toMatch(/^HTTP\/1\.1 413/)
      expect(text).toMatch(/\r\nconnection: close\r\n/i)
      expect(text).toContain('{"error":"body_too_large"}')
    } finally {
      await fastify.close()
    }
  })

  it('leaves routes outside its context alone', async () => {
    const fastify = await app()
    expect((await fastify.inject({ method: 'POST', url: '/unprotected' })).body).toBe('open')
  })

  it('refuses to register without a secret', async () => {
    const fastify = Fastify()
    await expect(fastify.register(slackVerification, { secrets: [' '] }).ready()).rejects.toThrow(/empty/)
  })
})

describe('Express middleware', () => {
  async function listen(handler: express.Express) {
    const server = handler.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }

  function app() {
    const a = express()
    // Express's own Request type carries slackRawBody and slackVerification: no cast.
    a.post('/slack/commands', slackVerificationMiddleware(options), (req, res) => {
      res.json({ body: req.body, raw: req.slackRawBody?.length, secretIndex: req.slackVerification?.secretIndex })
    })
    a.post('/slack/raw', express.raw({ type: '*/*' }), slackVerificationMiddleware(options), (req, res) => {
      res.json({ body: req.body })
    })
    a.post('/slack/misordered', express.json(), slackVerificationMiddleware(options), (_req, res) => {
      res.json({ reached: true })
    })
    a.use(((err, _req, res, _next) => res.status(500).json({ error: 'express_error', message: (err as Error).message })) as express.ErrorRequestHandler)
    return a
  }

  it('verifies and parses over a real socket', async () => {
    const { server, url } = await listen(app())
    try {
      const ok = await fetch(`${url}/slack/commands`, { method: 'POST', headers: slackHeaders(commandBody, { contentType: FORM }), body: commandBody })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ body: commandFields, raw: commandBody.length, secretIndex: 0 })

      const forged = await fetch(`${url}/slack/commands`, { method: 'POST', headers: slackHeaders(commandBody, { contentType: FORM, timestamp: NOW - 301 }), body: commandBody })
      expect(forged.status).toBe(401)
      expect(await forged.json()).toEqual({ error: 'stale_timestamp' })

      const big = 'a'.repeat(5000)
      const tooBig = await fetch(`${url}/slack/commands`, { method: 'POST', headers: slackHeaders(big, { contentType: FORM }), body: big })
      expect(tooBig.status).toBe(413)
      expect(await tooBig.json()).toEqual({ error: 'body_too_large' })
    } finally {
      server.close()
    }
  })

  it('works after express.raw()', async () => {
    const { server, url } = await listen(app())
    try {
      const res = await fetch(`${url}/slack/raw`, { method: 'POST', headers: slackHeaders(eventBody), body: eventBody })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ body: eventEnvelope() })
    } finally {
      server.close()
    }
  })

  it('refuses to run after a parser that threw the bytes away', async () => {
    const { server, url } = await listen(app())
    try {
      const res = await fetch(`${url}/slack/misordered`, { method: 'POST', headers: slackHeaders(eventBody), body: eventBody })
      expect(res.status).toBe(500)
      expect(((await res.json()) as { message: string }).message).toMatch(/before any body parser/)
    } finally {
      server.close()
    }
  })

  it('rejects a header sent twice (seen in rawHeaders, though Node joins it in req.headers)', async () => {
    const { server } = await listen(app())
    try {
      const socket = await openSocket((server.address() as AddressInfo).port)
      const response = readResponse(socket)
      const headers = slackHeaders(commandBody, { contentType: FORM })
      socket.end(
        [
          'POST /slack/commands HTTP/1.1',
          'Host: 127.0.0.1',
          'Connection: close',
          `Content-Type: ${FORM}`,
          `Content-Length: ${commandBody.length}`,
          `X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}`,
          `X-Slack-Signature: ${headers['x-slack-signature']}`,
          `X-Slack-Signature: ${headers['x-slack-signature']}`,
          '',
          commandBody,
        ].join('\r\n'),
      )
      const text = await response
      expect(text).toMatch(/^HTTP\/1\.1 401/)
      expect(text).toContain('{"error":"duplicate_header"}')
    } finally {
      server.close()
    }
  })
})

describe('web-standard Request helper', () => {
  const verify = createSlackRequestVerifier(options)
  const request = (body: string, headers: ConstructorParameters<typeof Headers>[0]) => new Request('https://gw.example/slack/events', { method: 'POST', headers, body })

  it('resolves null for a valid request and leaves its body readable', async () => {
    const req = request(eventBody, slackHeaders(eventBody))
    expect(await verify(req)).toBeNull()
    expect(await req.text()).toBe(eventBody)
  })

  it('resolves a 401 Response with the reason for a forged one', async () => {
    const res = await verify(request(eventBody, slackHeaders(eventBody, { secret: OTHER_SECRET })))
    expect(res?.status).toBe(401)
    expect(await res?.json()).toEqual({ error: 'signature_mismatch' })
  })

  it('detects a repeated header that fetch joined', async () => {
    const headers = new Headers(slackHeaders(eventBody))
    headers.append('x-slack-request-timestamp', String(NOW))
    const res = await verify(request(eventBody, headers))
    expect(await res?.json()).toEqual({ error: 'duplicate_header' })
  })

  it('answers 413 past the limit, from Content-Length or while reading', async () => {
    const big = 'a'.repeat(5000)
    expect((await verify(request(big, { ...slackHeaders(big), 'content-length': '5000' })))?.status).toBe(413)
    // One chunk, no Content-Length: the read stops and the verifier answers (it once waited for ever).
    const oneChunk = await verify(request(big, slackHeaders(big)))
    expect(oneChunk?.status).toBe(413)
    expect(await oneChunk?.json()).toEqual({ error: 'body_too_large' })
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(1024))
        c.close()
      },
    })
    const streamed = new Request('https://gw.example/x', { method: 'POST', headers: slackHeaders('x'), body: stream, duplex: 'half' } as RequestInit)
    expect((await verify(streamed))?.status).toBe(413)
  })

  it('rejects a request without a body or signature', async () => {
    const res = await verify(new Request('https://gw.example/x', { method: 'POST' }))
    expect(await res?.json()).toEqual({ error: 'missing_signature' })
  })
})

describe('createSlackSignatureVerifier: verifySlackSignature with the options every other form takes', () => {
  const verify = createSlackSignatureVerifier(options)
  const input = (body: string, headers: Record<string, string>): SlackSignatureInput => ({
    body: Buffer.from(body),
    timestamp: headers['x-slack-request-timestamp'],
    signature: headers['x-slack-signature'],
  })

  it('takes secrets as strings, the clock and the tolerance, and answers as verifySlackSignature does', () => {
    expect(verify(input(eventBody, slackHeaders(eventBody)))).toEqual({ ok: true, secretIndex: 0, timestamp: NOW })
    expect(verify(input(eventBody, slackHeaders(eventBody, { secret: OTHER_SECRET })))).toEqual({ ok: false, reason: 'signature_mismatch' })
    expect(verify(input(eventBody, slackHeaders(eventBody, { timestamp: NOW - 301 })))).toEqual({ ok: false, reason: 'stale_timestamp' })
    const strict = createSlackSignatureVerifier({ ...options, toleranceSeconds: 10 })
    expect(strict(input(eventBody, slackHeaders(eventBody, { timestamp: NOW + 11 })))).toEqual({ ok: false, reason: 'future_timestamp' })
    // The pure function keeps its own options: prepared secrets and `now`.
    expect(verifySlackSignature(input(eventBody, slackHeaders(eventBody)), { secrets: [createSigningSecret(SECRET)], now: NOW })).toEqual({ ok: true, secretIndex: 0, timestamp: NOW })
  })

  it('refuses a body over bodyLimit before hashing it', () => {
    const big = 'a'.repeat(4097)
    expect(verify(input(big, slackHeaders(big)))).toEqual({ ok: false, reason: 'body_too_large' })
    const exact = 'a'.repeat(4096)
    expect(verify(input(exact, slackHeaders(exact)))).toMatchObject({ ok: true })
  })

  it("reads the clock on every call, and honours a secret's notAfter", () => {
    let now = NOW
    const rotating = createSlackSignatureVerifier({ secrets: [SECRET, createSigningSecret(OTHER_SECRET, { notAfter: NOW + 5 })], clock: () => now })
    const old = (at: number) => input(eventBody, slackHeaders(eventBody, { secret: OTHER_SECRET, timestamp: at }))
    expect(rotating(old(now))).toEqual({ ok: true, secretIndex: 1, timestamp: NOW })
    now = NOW + 6
    expect(rotating(old(now))).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it('refuses bad options when it is created, as the other forms do', () => {
    expect(() => createSlackSignatureVerifier({ secrets: [] })).toThrow(/at least one/)
    expect(() => createSlackSignatureVerifier({ secrets: [' '] })).toThrow(/empty/)
    expect(() => createSlackSignatureVerifier({ secrets: [SECRET], toleranceSeconds: 0 })).toThrow(RangeError)
    expect(() => createSlackSignatureVerifier({ secrets: [SECRET], bodyLimit: 0 })).toThrow(RangeError)
  })

  it('gives the same verdict as the Fastify plugin and the fetch helper for one options object', async () => {
    const fastify = Fastify()
    await fastify.register(async (slack) => {
      await slack.register(slackVerification, options)
      slack.post('/slack/events', async () => ({ ok: true }))
    })
    const web = createSlackRequestVerifier(options)
    const big = 'a'.repeat(5000)
    const cases: Array<[string, Record<string, string>]> = [
      [eventBody, slackHeaders(eventBody)],
      [eventBody, slackHeaders(eventBody, { secret: OTHER_SECRET })],
      [eventBody, slackHeaders(eventBody, { timestamp: NOW + 301 })],
      [big, slackHeaders(big)],
    ]
    for (const [body, headers] of cases) {
      const direct = verify(input(body, headers))
      const expected = direct.ok ? null : direct.reason
      const viaFastify = await fastify.inject({ method: 'POST', url: '/slack/events', payload: body, headers })
      expect(viaFastify.statusCode === 200 ? null : viaFastify.json<{ error: string }>().error).toBe(expected)
      const viaFetch = await web(new Request('https://gw.example/slack/events', { method: 'POST', headers, body }))
      expect(viaFetch === null ? null : (await viaFetch.json() as { error: string }).error).toBe(expected)
    }
  })
})

describe('examples/ for library mode', () => {
  async function listening(server: Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  /** POSTs a form to /slack/commands, signed with `secret`; the status and the JSON answer. */
  async function postCommand(url: string, body: string, secret = SECRET): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}/slack/commands`, { method: 'POST', headers: slackHeaders(body, { contentType: FORM, secret }), body })
    return { status: res.status, body: await res.json() }
  }

  it('node-http-slack.ts answers a signed slash command, and refuses a forged or oversize one', async () => {
    const server = createSlashCommandServer(options)
    const url = await listening(server)
    try {
      expect(await postCommand(url, commandBody)).toEqual({ status: 200, body: { response_type: 'ephemeral', text: '/deploy prod: on it' } })
      expect(await postCommand(url, commandBody, OTHER_SECRET)).toEqual({ status: 401, body: { error: 'signature_mismatch' } })
      expect(await postCommand(url, 'a'.repeat(5000))).toEqual({ status: 413, body: { error: 'body_too_large' } })
    } finally {
      server.close()
    }
  })

  it("express-slack.ts reads the verified body and bytes from Express's own request", async () => {
    const server = createServer(createExpressSlackApp(options))
    const url = await listening(server)
    try {
      const answer = { response_type: 'ephemeral', text: '/deploy prod: on it', verifiedBytes: commandBody.length, secretIndex: 0 }
      expect(await postCommand(url, commandBody)).toEqual({ status: 200, body: answer })
      expect(await postCommand(url, commandBody, OTHER_SECRET)).toEqual({ status: 401, body: { error: 'signature_mismatch' } })
    } finally {
      server.close()
    }
  })

  describe('fastify-gateway-token.ts verifies the gateway token over the raw body', () => {
    // A stand-in for the gateway's JWKS endpoint, and tokens minted the way the gateway mints them.
    let jwks: Server
    let jwksUrl: string
    let privateKey: CryptoKey
    const audience = 'http://127.0.0.1:4001'
    beforeAll(async () => {
      const pair = await generateKeyPair('EdDSA')
      privateKey = pair.privateKey
      const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }
      jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })))
      jwksUrl = `${await listening(jwks)}/.well-known/jwks.json`
    })
    afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())))

    function mint(body: string, claims: { aud?: string; jti?: string } = {}): Promise<string> {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ route: 'approve', body_sha256: createHash('sha256').update(body).digest('base64url') })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' })
        .setIssuer('slackgate')
        .setAudience(claims.aud ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(claims.jti ?? 'job-1')
        .setSubject('U0001')
        .sign(privateKey)
    }

    const forwarded = JSON.stringify({ jobId: 'job-1', route: 'approve', attempt: 1, request: { kind: 'command', context: {} } })

    it('accepts a forward, once per job, and refuses a missing token, another body or another audience', async () => {
      const service = createApprovalService({ jwksUrl, issuer: 'slackgate', audience })
      const post = async (body: string, authorization?: string) =>
        service.inject({ method: 'POST', url: '/approve', payload: body, headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) } })
      const token = await mint(forwarded)

      const first = await post(forwarded, `Bearer ${token}`)
      expect(first.statusCode).toBe(200)
      expect(first.json()).toEqual({ ok: true, jobId: 'job-1', route: 'approve', kind: 'command', duplicate: false })
      expect((await post(forwarded, `Bearer ${token}`)).json()).toMatchObject({ duplicate: true })

      // The same JSON, spelled with other whitespace: the digest is over bytes, not meaning.
      const respelled = await post(JSON.stringify(JSON.parse(forwarded), null, 1), `Bearer ${token}`)
      expect(respelled.statusCode).toBe(401)
      expect(respelled.json()).toEqual({ error: 'body_mismatch' })

      expect((await post(forwarded)).json()).toEqual({ error: 'missing_token' })
      const elsewhere = await post(forwarded, `Bearer ${await mint(forwarded, { aud: 'http://someone-else' })}`)
      expect(elsewhere.statusCode).toBe(401)
      expect(elsewhere.json()).toEqual({ error: 'wrong_audience' })
    })
  })
})

import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createSlackRequestVerifier, slackVerification, slackVerificationMiddleware } from '../../src/index.js'
import type { SlackVerifiedRequest } from '../../src/verify/express-middleware.js'
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
    a.post('/slack/commands', slackVerificationMiddleware(options), (req, res) => {
      const r = req as unknown as SlackVerifiedRequest
      res.json({ body: r.body, raw: r.slackRawBody?.length, secretIndex: r.slackVerification?.secretIndex })
    })
    a.post('/slack/raw', express.raw({ type: '*/*' }), slackVerificationMiddleware(options), (req, res) => {
      res.json({ body: (req as unknown as SlackVerifiedRequest).body })
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

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commandFields, eventEnvelope, form, NOW, OTHER_SECRET, SECRET, slackHeaders } from '../helpers/signing.js'
import { testApp, type TestApp } from '../helpers/app.js'

const FORM = 'application/x-www-form-urlencoded'
let t: TestApp
beforeEach(async () => {
  t = await testApp()
})
afterEach(async () => {
  await t.close()
})

function post(url: string, body: string | Buffer, headers: Record<string, string | string[]>) {
  return t.app.inject({ method: 'POST', url, payload: body, headers })
}

const commandBody = form(commandFields)
const eventBody = JSON.stringify(eventEnvelope())
const interactionBody = form({
  payload: JSON.stringify({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, actions: [{ action_id: 'approve' }], trigger_id: 't1' }),
})

const routes = [
  { url: '/slack/events', body: eventBody, contentType: 'application/json', kind: 'event' },
  { url: '/slack/commands', body: commandBody, contentType: FORM, kind: 'command' },
  { url: '/slack/interactions', body: interactionBody, contentType: FORM, kind: 'block_actions' },
]

describe.each(routes)('POST $url', ({ url, body, contentType, kind }) => {
  it('acks a correctly signed request with 200 and logs one line with its verdict (no route matches it here)', async () => {
    const res = await post(url, body, slackHeaders(body, { contentType }))
    expect(res.statusCode).toBe(200)
    expect(t.requestLogs()).toEqual([expect.objectContaining({ route: url, status: 200, verdict: 'unrouted', reason: 'unrouted', kind })])
  })

  it('accepts Content-Type with a charset parameter', async () => {
    const res = await post(url, body, slackHeaders(body, { contentType: `${contentType}; charset=utf-8` }))
    expect(res.statusCode).toBe(200)
  })

  it.each([
    ['signature_mismatch', { secret: OTHER_SECRET }],
    ['stale_timestamp', { timestamp: NOW - 301 }],
    ['future_timestamp', { timestamp: NOW + 301 }],
  ])('rejects %s with 401', async (reason, opts) => {
    const res = await post(url, body, slackHeaders(body, { contentType, ...opts }))
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: reason })
    expect(t.requestLogs()[0]).toMatchObject({ status: 401, verdict: 'rejected', reason })
  })

  it.each([
    ['first', 0],
    ['last', 31],
  ])('rejects the signature with its %s digest byte flipped: 401 signature_mismatch', async (_which, index) => {
    const headers = slackHeaders(body, { contentType })
    const digest = Buffer.from(headers['x-slack-signature']!.slice(3), 'hex')
    digest[index] = (digest[index] as number) ^ 0x01
    const res = await post(url, body, { ...headers, 'x-slack-signature': `v0=${digest.toString('hex')}` })
    expect([res.statusCode, res.json()]).toEqual([401, { error: 'signature_mismatch' }])
    expect(t.requestLogs()[0]).toMatchObject({ status: 401, verdict: 'rejected', reason: 'signature_mismatch' })
  })

  it('rejects a body changed by one byte', async () => {
    const headers = slackHeaders(body, { contentType })
    const tampered = Buffer.from(body)
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] as number) ^ 0x01
    const res = await post(url, tampered, headers)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'signature_mismatch' })
  })

  it.each([
    ['missing_signature', 'x-slack-signature', undefined],
    ['missing_timestamp', 'x-slack-request-timestamp', undefined],
    ['malformed_signature', 'x-slack-signature', 'v0=nothex'],
    ['malformed_timestamp', 'x-slack-request-timestamp', '1.8e9'],
  ])('rejects %s with 401', async (reason, header, value) => {
    const headers: Record<string, string> = slackHeaders(body, { contentType })
    if (value === undefined) delete headers[header]
    else headers[header] = value
    const res = await post(url, body, headers)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: reason })
  })

  it.each(['x-slack-signature', 'x-slack-request-timestamp'])('rejects duplicate_header when %s is sent twice', async (header) => {
    const headers: Record<string, string | string[]> = slackHeaders(body, { contentType })
    headers[header] = [headers[header] as string, headers[header] as string]
    const res = await post(url, body, headers)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'duplicate_header' })
  })

  it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/xml', contentType === FORM ? 'application/json' : FORM])(
    'answers 415 for %s',
    async (other) => {
      const res = await post(url, body, slackHeaders(body, { contentType: other }))
      expect(res.statusCode).toBe(415)
      expect(res.json()).toEqual({ error: 'unsupported_media_type' })
    },
  )

  it('answers 415 with no Content-Type and no body', async () => {
    const res = await t.app.inject({ method: 'POST', url, headers: slackHeaders('', { contentType: '' }) })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toEqual({ error: 'unsupported_media_type' })
  })

  it('answers 400 for a signed body that is not valid UTF-8', async () => {
    const garbage = Buffer.from([0x7b, 0xff, 0xfe, 0x3d, 0xc3])
    const res = await post(url, garbage, slackHeaders(garbage, { contentType }))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
  })

  it('answers 401, not 400, for unsigned garbage: nothing is decoded before verification', async () => {
    const garbage = Buffer.from([0x7b, 0xff, 0xfe])
    const res = await post(url, garbage, { 'content-type': contentType, 'x-slack-request-timestamp': String(NOW), 'x-slack-signature': `v0=${'0'.repeat(64)}` })
    expect(res.statusCode).toBe(401)
  })

  it('answers 400 invalid_payload for a signed, well-formed body that is not a Slack payload', async () => {
    const other = contentType === FORM ? form({ hello: 'world' }) : JSON.stringify({ hello: 'world' })
    const res = await post(url, other, slackHeaders(other, { contentType }))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'invalid_payload' })
    expect(t.requestLogs()[0]).toMatchObject({ reason: 'invalid_payload', detail: expect.any(String) })
  })

  it('logs Slack\'s retry number, and only when it has Slack\'s shape', async () => {
    const headers = slackHeaders(body, { contentType })
    expect((await post(url, body, { ...headers, 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' })).statusCode).toBe(200)
    expect((await post(url, body, { ...headers, 'x-slack-retry-num': '1\n{"forged":"line"}' })).statusCode).toBe(200)
    const [first, second] = t.requestLogs()
    expect(first).toMatchObject({ status: 200, slackRetryNum: 2 })
    expect(second).toMatchObject({ status: 200 })
    expect(second).not.toHaveProperty('slackRetryNum')
  })

  it('never logs the signature or the secret', async () => {
    const headers = slackHeaders(body, { contentType })
    expect((await post(url, body, headers)).statusCode).toBe(200)
    const forged = await post(url, body, { ...headers, 'x-slack-signature': headers['x-slack-signature']!.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })
    expect([forged.statusCode, forged.json()]).toEqual([401, { error: 'signature_mismatch' }])
    const all = t.lines.join('\n')
    expect(all).not.toContain(headers['x-slack-signature']!.slice(3))
    expect(all).not.toContain(SECRET)
  })
})

describe('events: url_verification', () => {
  const body = JSON.stringify({ token: 't', challenge: 'c3RhbmQtdXAtY2hhbGxlbmdl', type: 'url_verification' })

  it('answers its challenge when signed', async () => {
    const res = await post('/slack/events', body, slackHeaders(body))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ challenge: 'c3RhbmQtdXAtY2hhbGxlbmdl' })
    expect(t.requestLogs()[0]).toMatchObject({ verdict: 'handshake', kind: 'url_verification' })
  })

  it('never answers an unsigned or forged challenge', async () => {
    const forged = await post('/slack/events', body, slackHeaders(body, { secret: OTHER_SECRET }))
    expect(forged.statusCode).toBe(401)
    expect(forged.body).not.toContain('c3RhbmQtdXAtY2hhbGxlbmdl')
    const unsigned = await post('/slack/events', body, { 'content-type': 'application/json' })
    expect(unsigned.statusCode).toBe(401)
    expect(unsigned.json()).toEqual({ error: 'missing_signature' })
  })
})

describe('ssl_check', () => {
  const body = form({ ssl_check: '1', token: 'x' })

  it('is verified and answered 200 without being dispatched', async () => {
    const res = await post('/slack/commands', body, slackHeaders(body, { contentType: FORM }))
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('')
    expect(t.requestLogs()[0]).toMatchObject({ verdict: 'ssl_check', kind: 'ssl_check' })
  })

  it('is rejected when unsigned, like any request', async () => {
    const res = await post('/slack/commands', body, { 'content-type': FORM })
    expect(res.statusCode).toBe(401)
  })

  it('cannot smuggle a command: ssl_check with command fields is still only an ssl_check', async () => {
    const smuggled = form({ ...commandFields, ssl_check: '1' })
    const res = await post('/slack/commands', smuggled, slackHeaders(smuggled, { contentType: FORM }))
    expect(res.statusCode).toBe(200)
    expect(t.requestLogs()[0]).toMatchObject({ verdict: 'ssl_check' })
  })
})

describe('garbage', () => {
  it('truncated JSON, signed, is 400', async () => {
    const body = eventBody.slice(0, -5)
    const res = await post('/slack/events', body, slackHeaders(body))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
  })

  it('a prototype-polluting body, signed and otherwise a complete event, is 400 malformed_body', async () => {
    const body = `${eventBody.slice(0, -1)},"__proto__":{"isAdmin":true}}`
    const res = await post('/slack/events', body, slackHeaders(body))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it.each(['__proto__', 'constructor', 'prototype'])('a complete signed slash command with one extra %s field is 400 malformed_body', async (name) => {
    const body = `${commandBody}&${name}=x`
    const res = await post('/slack/commands', body, slackHeaders(body, { contentType: FORM }))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
    expect(t.requestLogs()[0]).toMatchObject({ status: 400, verdict: 'rejected', reason: 'malformed_body' })
  })

  it('a complete signed interaction with an extra __proto__ field beside payload is 400 malformed_body', async () => {
    const body = `${interactionBody}&__proto__=x`
    const res = await post('/slack/interactions', body, slackHeaders(body, { contentType: FORM }))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
  })

  it('a repeated form field, signed, is 400', async () => {
    const body = `${commandBody}&command=%2Fother`
    const res = await post('/slack/commands', body, slackHeaders(body, { contentType: FORM }))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'malformed_body' })
  })

  it('unknown routes and methods are 404 in our error format', async () => {
    for (const [method, url] of [
      ['GET', '/slack/events'],
      ['POST', '/nope'],
      ['PUT', '/slack/commands'],
    ] as const) {
      const res = await t.app.inject({ method, url })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ error: 'not_found' })
    }
  })

  it('an unexpected failure is 500 internal_error, logged, with nothing of it in the response', async () => {
    t.app.get('/boom', async () => {
      throw new Error('connection string postgres://user:hunter2@db')
    })
    const res = await t.app.inject({ method: 'GET', url: '/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: 'internal_error' })
    expect(res.body).not.toContain('hunter2')
    expect(t.lines.some((l) => l.includes('"msg":"request failed"'))).toBe(true)
  })

  it('a wrong Content-Length is 400 invalid_content_length', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/slack/events',
      payload: eventBody,
      headers: { ...slackHeaders(eventBody), 'content-length': String(eventBody.length - 3) },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ error: 'invalid_content_length' })
  })

  it('no error response carries a stack trace or an internal message', async () => {
    const responses = await Promise.all([
      post('/slack/events', '{', slackHeaders('{')),
      post('/slack/events', Buffer.alloc(2 * 1024 * 1024), slackHeaders('x')),
      t.app.inject({ method: 'POST', url: '/slack/events', payload: 'x', headers: { 'content-type': 'text/html' } }),
    ])
    for (const res of responses) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400)
      expect(res.statusCode).toBeLessThan(500)
      expect(Object.keys(res.json())).toEqual(['error'])
      expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/)
    }
  })
})

describe('body limit', () => {
  it('answers 413 when Content-Length declares more than the limit', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61)
    const res = await post('/slack/commands', big, slackHeaders(big, { contentType: FORM }))
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({ error: 'body_too_large' })
    expect(res.headers.connection).toBe('close')
  })

  it('accepts a signed body of exactly the limit', async () => {
    const limited = await testApp({ env: { SLACK_SIGNING_SECRET: SECRET } })
    const pad = 1024 * 1024 - commandBody.length - '&pad='.length
    const body = `${commandBody}&pad=${'a'.repeat(pad)}`
    expect(body.length).toBe(1024 * 1024)
    const res = await limited.app.inject({ method: 'POST', url: '/slack/commands', payload: body, headers: slackHeaders(body, { contentType: FORM }) })
    expect(res.statusCode).toBe(200)
    await limited.close()
  })
})

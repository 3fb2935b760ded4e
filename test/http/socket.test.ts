import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { firstStatus, openSocket, readResponse } from '../helpers/raw-http.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'

let t: TestApp
let port: number
beforeAll(async () => {
  t = await testApp()
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  port = (t.app.server.address() as AddressInfo).port
})
afterAll(async () => {
  await t.close()
})

function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`
}

describe('over a real socket', () => {
  it('serves a signed request', async () => {
    const body = form(commandFields)
    const res = await fetch(`http://127.0.0.1:${port}/slack/commands`, {
      method: 'POST',
      headers: slackHeaders(body, { contentType: 'application/x-www-form-urlencoded' }),
      body,
    })
    expect(res.status).toBe(200)
  })

  it('rejects a Slack header sent twice on the wire (Node would join it into one value)', async () => {
    const body = form(commandFields)
    const headers = slackHeaders(body, { contentType: 'application/x-www-form-urlencoded' })
    const socket = await openSocket(port)
    const response = readResponse(socket)
    // Written, not ended: a client that half-closes gets no answer that takes longer than a
    // tick (Node's default), and this one is answered after its audit record is on disk.
    socket.write(
      head([
        'POST /slack/commands HTTP/1.1',
        'Host: 127.0.0.1',
        'Connection: close',
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${body.length}`,
        `X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}`,
        `X-Slack-Request-Timestamp: ${headers['x-slack-request-timestamp']}`,
        `X-Slack-Signature: ${headers['x-slack-signature']}`,
      ]) + body,
    )
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 401/)
    expect(text).toContain('{"error":"duplicate_header"}')
  })

  it('answers 413 on a declared oversize body without waiting for it', async () => {
    const socket = await openSocket(port)
    const status = firstStatus(socket)
    socket.write(
      head([
        'POST /slack/commands HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${10 * 1024 * 1024}`,
        ...Object.entries(slackHeaders('x')).filter(([k]) => k !== 'content-type').map(([k, v]) => `${k}: ${v}`),
      ]),
    )
    // Not one body byte is sent: the answer can only come from the declared length.
    expect(await status).toBe(413)
    socket.destroy()
  })

  it('answers 413 on a chunked body as soon as it passes the limit, before the body ends (so before any hashing)', async () => {
    const socket = await openSocket(port)
    const response = readResponse(socket)
    socket.write(
      head([
        'POST /slack/commands HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/x-www-form-urlencoded',
        'Transfer-Encoding: chunked',
        ...Object.entries(slackHeaders('x')).filter(([k]) => k !== 'content-type').map(([k, v]) => `${k}: ${v}`),
      ]),
    )
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    // 17 chunks of 64 KiB pass the 1 MiB limit; the terminating chunk is never sent.
    for (let i = 0; i < 17; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`)
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 413/)
    expect(text).toContain('{"error":"body_too_large"}')
    socket.destroy()
  })

  it('answers 431 to huge headers, and keeps serving', async () => {
    const socket = await openSocket(port)
    const response = readResponse(socket)
    socket.write(head(['POST /slack/events HTTP/1.1', 'Host: 127.0.0.1', `X-Junk: ${'a'.repeat(64 * 1024)}`]))
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 431/)
    expect(text).toContain('{"error":"headers_too_large"}')
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 431, verdict: 'rejected', reason: 'headers_too_large' })
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
  })

  it.each([
    ['a garbage request line', 'HELLO\r\n\r\n'],
    ['binary noise', '\u0000\u0001\u0002\u00ff\r\n\r\n'],
    ['a bad header line', 'POST /slack/events HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
    ['a bad chunk size', 'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('answers 400 to %s, and keeps serving', async (_name, raw) => {
    const socket = await openSocket(port)
    const response = readResponse(socket)
    socket.write(Buffer.from(raw, 'latin1'))
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 400/)
    expect(text).toContain('{"error":"bad_request"}')
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 400, verdict: 'rejected', reason: 'bad_request' })
    expect(text).not.toMatch(/at .*:\d+:\d+/)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
  })
})

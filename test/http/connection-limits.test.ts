import { mkdtempSync, writeFileSync } from 'node:fs'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { connect as tlsConnect } from 'node:tls'
import { openSocket } from '../helpers/raw-http.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'
import { createTestPki } from '../helpers/tls-certificates.js'
import { CONNECTION_HEADROOM } from '../../src/http/connection-limit.js'

const FORM = 'application/x-www-form-urlencoded'

async function listening(server: Record<string, unknown>, extra = ''): Promise<{ t: TestApp; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-conn-'))
  const yaml = `server:\n${Object.entries(server).map(([k, v]) => `  ${k}: ${String(v)}\n`).join('')}${extra}`
  writeFileSync(join(dir, 'slackgate.yaml'), yaml)
  const t = await testApp({ file: join(dir, 'slackgate.yaml'), dataDir: join(dir, 'data') })
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  return { t, port: (t.app.server.address() as AddressInfo).port }
}

interface Ending {
  readonly text: string
  /** Milliseconds from the call until the server closed the connection. */
  readonly ms: number
}

/** Everything the server sends until it closes the connection; rejects if it is still open after `ms`. */
function untilClosed(socket: Socket, ms = 6000): Promise<Ending> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`still open after ${ms} ms; received: ${JSON.stringify(text.slice(0, 200))}`))
    }, ms)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
    })
    socket.once('close', () => {
      clearTimeout(timer)
      resolve({ text, ms: Date.now() - started })
    })
    socket.on('error', () => {})
  })
}

/** Writes `data` one byte every `everyMs` until the socket closes: never idle, never finished. */
function dribble(socket: Socket, data: string, everyMs = 100): void {
  let i = 0
  const timer = setInterval(() => {
    if (socket.destroyed || i >= data.length) return clearInterval(timer)
    socket.write(data[i++] as string)
  }, everyMs)
  socket.once('close', () => clearInterval(timer))
}

const command = form(commandFields)
function commandHead(connection = 'keep-alive'): string {
  const headers = slackHeaders(command, { contentType: FORM })
  return [
    'POST /slack/commands HTTP/1.1',
    'Host: 127.0.0.1',
    `Connection: ${connection}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${command.length}`,
    '',
    '',
  ].join('\r\n')
}

describe('timeouts over a real socket', () => {
  // Short on purpose: the defaults are 5 s (headers), 10 s (whole request), 5 s (keep-alive).
  let t: TestApp
  let port: number
  beforeAll(async () => {
    ;({ t, port } = await listening({ headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 1000 }))
  })
  afterAll(async () => {
    await t.close()
  })

  it('closes a connection that sends nothing once the header deadline passes', async () => {
    const socket = await openSocket(port)
    const end = await untilClosed(socket)
    expect(end.ms).toBeLessThan(3000)
  })

  it('answers 408 request_timeout to headers that keep coming but never end, at the header deadline', async () => {
    const socket = await openSocket(port)
    const ending = untilClosed(socket)
    // One byte every 100 ms: never idle, so only a deadline on the whole head stops it.
    dribble(socket, `POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}`)
    const end = await ending
    expect(end.text).toMatch(/^HTTP\/1\.1 408 /)
    expect(end.text).toContain('{"error":"request_timeout"}')
    expect(end.ms).toBeGreaterThanOrEqual(900)
    expect(end.ms).toBeLessThan(3000)
  })

  it('answers 408 request_timeout to a body that keeps coming but never ends, at the request deadline', async () => {
    const socket = await openSocket(port)
    const ending = untilClosed(socket)
    socket.write(commandHead() + command.slice(0, 10))
    dribble(socket, command.slice(10, -1))
    const end = await ending
    expect(end.text).toMatch(/^HTTP\/1\.1 408 /)
    expect(end.text).toContain('{"error":"request_timeout"}')
    expect(end.ms).toBeGreaterThanOrEqual(1400)
    expect(end.ms).toBeLessThan(3500)
    // Nothing of it was admitted, and the refusal is logged.
    expect(t.requestLogs().filter((l) => l.status === 200 && l.route === '/slack/commands')).toEqual([])
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 408, verdict: 'rejected', reason: 'request_timeout' })
  })

  it('closes an idle keep-alive connection after keepAliveTimeoutMs, having served it', async () => {
    const socket = await openSocket(port)
    const ending = untilClosed(socket)
    socket.write(commandHead() + command)
    const end = await ending
    expect(end.text).toMatch(/^HTTP\/1\.1 200 /)
    expect(end.text).toMatch(/connection: keep-alive/i)
    expect(end.ms).toBeGreaterThanOrEqual(900)
    expect(end.ms).toBeLessThan(3000)
  })

  it('refuses a header deadline longer than the request deadline at load', async () => {
    await expect(listening({ headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 })).rejects.toThrow(/server\.headersTimeoutMs/)
  })
})

describe('timeouts over TLS', () => {
  let t: TestApp
  let port: number
  beforeAll(async () => {
    const pki = createTestPki()
    const tls = `  tls:\n    cert: { ref: "file:${pki.server.certPath}" }\n    key: { ref: "file:${pki.server.keyPath}" }\n`
    ;({ t, port } = await listening({ headersTimeoutMs: 1000, requestTimeoutMs: 1500 }, tls))
  })
  afterAll(async () => {
    await t.close()
  })

  it('closes a connection that never starts its TLS handshake at the header deadline', async () => {
    const socket = await openSocket(port)
    const end = await untilClosed(socket)
    expect(end.ms).toBeLessThan(3000)
  })

  it('closes a connection that completes its handshake and sends nothing at the header deadline', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject))
    const end = await untilClosed(socket)
    expect(end.ms).toBeGreaterThanOrEqual(900)
    expect(end.ms).toBeLessThan(3000)
  })
})

describe('the connection cap over a real socket', () => {
  const MAX = 4
  let t: TestApp
  let port: number
  let accepted = 0
  const waiters: Array<[number, () => void]> = []
  beforeAll(async () => {
    ;({ t, port } = await listening({ maxConnections: MAX }))
    t.app.server.on('connection', (socket: Socket) => {
      accepted++
      socket.once('close', () => {
        accepted--
        settle()
      })
      settle()
    })
  })
  afterAll(async () => {
    await t.close()
  })
  function settle(): void {
    for (const w of [...waiters]) {
      if (accepted !== w[0]) continue
      waiters.splice(waiters.indexOf(w), 1)
      w[1]()
    }
  }
  /** Resolves once the server holds exactly `n` connections (its own `connection` and `close` events). */
  function holding(n: number): Promise<void> {
    if (accepted === n) return Promise.resolve()
    return new Promise((resolve) => waiters.push([n, resolve]))
  }
  /** `n` connections that are open and have sent part of a request line. */
  async function stalled(n: number): Promise<Socket[]> {
    const sockets = await Promise.all(Array.from({ length: n }, () => openSocket(port)))
    for (const s of sockets) s.write('POST /slack/commands HT')
    return sockets
  }

  it('serves up to the cap, refuses routes with 503 too_many_connections over it, still answers /healthz, and serves again once below', async () => {
    const held = await stalled(MAX)
    await holding(MAX)

    const over = await openSocket(port)
    const refused = untilClosed(over)
    over.write(commandHead())
    over.write(command)
    const refusal = await refused
    expect(refusal.text).toMatch(/^HTTP\/1\.1 503 /)
    expect(refusal.text).toMatch(/connection: close/i)
    expect(refusal.text).toContain('{"error":"too_many_connections"}')
    expect(t.requestLogs().at(-1)).toMatchObject({ status: 503, verdict: 'rejected', reason: 'too_many_connections' })

    const health = await openSocket(port)
    const checked = untilClosed(health)
    health.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    const answer = await checked
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 /)
    expect(answer.text).toMatch(/connection: close/i)

    for (const s of held) s.destroy()
    await holding(0)
    const served = await openSocket(port)
    const ending = untilClosed(served)
    served.write(commandHead('close') + command)
    expect((await ending).text).toMatch(/^HTTP\/1\.1 200 /)
  })

  it(`closes a new connection at once past the cap and its ${CONNECTION_HEADROOM} connections of headroom`, async () => {
    await holding(0)
    const held = await stalled(MAX + CONNECTION_HEADROOM)
    await holding(MAX + CONNECTION_HEADROOM)
    const dropped = new Promise<void>((resolve) => t.app.server.once('drop', () => resolve()))
    const extra = await openSocket(port)
    const end = await untilClosed(extra)
    await dropped
    expect(end.text).toBe('')
    expect(t.lines.some((l) => l.includes('connection cap reached'))).toBe(true)
    for (const s of held) s.destroy()
    await holding(0)
  })
})

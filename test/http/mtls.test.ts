import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SecureVersion } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, type TestApp } from '../helpers/app.js'
import { commandFields, eventEnvelope, form, OTHER_SECRET, slackHeaders } from '../helpers/signing.js'
import { createTestPki, type Issued, type TestPki } from '../helpers/tls-certificates.js'

const SLACK_NAME = 'platform-tls-client.slack.com'
const FORM = 'application/x-www-form-urlencoded'
const eventBody = JSON.stringify(eventEnvelope())
const commandBody = form(commandFields)
const interactionBody = form({
  payload: JSON.stringify({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, actions: [{ action_id: 'approve' }], trigger_id: 't1' }),
})
const slackRoutes = [
  { path: '/slack/events', body: eventBody, contentType: 'application/json' },
  { path: '/slack/commands', body: commandBody, contentType: FORM },
  { path: '/slack/interactions', body: interactionBody, contentType: FORM },
]

interface Answer {
  readonly status: number
  readonly body: string
}

interface SendOptions {
  readonly method?: string
  readonly body?: string
  readonly headers?: OutgoingHttpHeaders
  readonly client?: Issued
  readonly minVersion?: SecureVersion
  readonly maxVersion?: SecureVersion
  readonly ciphers?: string
}

let pki: TestPki
beforeAll(() => {
  pki = createTestPki()
})

/** A gateway from a config file in the PKI directory (so that `file:./…` refs resolve there), listening on 127.0.0.1. */
async function listening(name: string, serverYaml: string): Promise<{ t: TestApp; port: number }> {
  const file = join(pki.dir, `${name}.yaml`)
  writeFileSync(file, `server:\n${serverYaml}`)
  const t = await testApp({ file })
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  return { t, port: (t.app.server.address() as AddressInfo).port }
}

/** One request on a connection of its own (no agent: nothing, not a certificate nor a session, is reused). */
function sendTls(port: number, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: options.headers,
        agent: false,
        ca: pki.ca.cert,
        ...(options.client !== undefined && { cert: options.client.cert, key: options.client.key }),
        ...(options.minVersion !== undefined && { minVersion: options.minVersion }),
        ...(options.maxVersion !== undefined && { maxVersion: options.maxVersion }),
        ...(options.ciphers !== undefined && { ciphers: options.ciphers }),
      },
      (res) => collect(res, resolve),
    )
    req.once('error', reject)
    req.end(options.body)
  })
}

function sendPlain(port: number, path: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.body === undefined ? 'GET' : 'POST', headers: options.headers, agent: false }, (res) =>
      collect(res, resolve),
    )
    req.once('error', reject)
    req.end(options.body)
  })
}

function collect(res: NodeJS.ReadableStream & { statusCode?: number }, resolve: (a: Answer) => void): void {
  let body = ''
  res.setEncoding('utf8')
  res.on('data', (c: string) => (body += c))
  res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
}

const signedEvent = (opts: { secret?: string } = {}): SendOptions => ({ body: eventBody, headers: slackHeaders(eventBody, opts) })

describe('server.tls with mtls: required', () => {
  let t: TestApp
  let port: number
  beforeAll(async () => {
    ;({ t, port } = await listening(
      'mtls',
      ['  tls:', '    cert: { ref: file:./server.pem }', '    key: { ref: file:./server.key }', '    ca: { ref: file:./ca.pem }', '    mtls: required', ''].join('\n'),
    ))
  })
  afterAll(async () => {
    await t?.close()
  })

  it.each(slackRoutes)('accepts Slack’s certificate (SAN) and a valid signature on $path', async ({ path, body, contentType }) => {
    const res = await sendTls(port, path, { client: pki.clients.slack, body, headers: slackHeaders(body, { contentType }) })
    expect(res.status).toBe(200)
  })

  it.each(slackRoutes)('refuses a request without a client certificate on $path, before reading its body', async ({ path, body, contentType }) => {
    const res = await sendTls(port, path, { body, headers: slackHeaders(body, { contentType }) })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ error: 'client_certificate_missing' })
  })

  it('accepts a certificate without SAN whose subject CN is the name', async () => {
    const res = await sendTls(port, '/slack/events', { client: pki.clients.cnOnly, ...signedEvent() })
    expect(res.status).toBe(200)
  })

  it.each([
    ['evil.slack.com', 'evil', 'client_certificate_mismatch'],
    ['*.slack.com (a wildcard)', 'wildcard', 'client_certificate_mismatch'],
    ['the right CN but SAN other.example', 'rightCnWrongSan', 'client_certificate_mismatch'],
    ['the right name signed by another CA', 'otherCa', 'client_certificate_untrusted'],
    ['one SAN entry smuggling ", DNS:<the name>"', 'smuggled', 'client_certificate_mismatch'],
  ] as const)('refuses a certificate for %s with 401', async (_what, which, reason) => {
    const res = await sendTls(port, '/slack/events', { client: pki.clients[which], ...signedEvent() })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ error: reason })
    expect(t.requestLogs().at(-1)).toMatchObject({ route: '/slack/events', status: 401, verdict: 'rejected', reason })
  })

  it('still checks the Slack signature behind a good certificate', async () => {
    const res = await sendTls(port, '/slack/events', { client: pki.clients.slack, ...signedEvent({ secret: OTHER_SECRET }) })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ error: 'signature_mismatch' })
  })

  it('answers before the body arrives, and closes the connection', async () => {
    const answer = await new Promise<Answer & { connection: string | undefined }>((resolve, reject) => {
      const req = httpsRequest(
        // Announces 2 MiB (over the body limit) and sends a few bytes: a 413 or a wait would mean the body was read.
        { host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent: false, ca: pki.ca.cert, headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) } },
        (res) => collect(res, (a) => resolve({ ...a, connection: res.headers.connection })),
      )
      req.once('error', reject)
      req.write('{"type":')
    })
    expect(answer.status).toBe(401)
    expect(JSON.parse(answer.body)).toEqual({ error: 'client_certificate_missing' })
    expect(answer.connection).toBe('close')
  })

  it('serves /healthz and the JWKS without a client certificate', async () => {
    expect((await sendTls(port, '/healthz')).status).toBe(200)
    expect((await sendTls(port, '/.well-known/jwks.json')).status).toBe(200)
  })

  it('refuses TLS 1.1 in the handshake', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all; the server must be the one refusing.
    await expect(sendTls(port, '/healthz', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow(/alert protocol version/)
  })
})

describe('server.tls with minVersion TLSv1.3 and mtls off', () => {
  let t: TestApp
  let port: number
  beforeAll(async () => {
    ;({ t, port } = await listening('tls13', ['  tls:', '    cert: { ref: file:./server.pem }', '    key: { ref: file:./server.key }', '    minVersion: TLSv1.3', ''].join('\n')))
  })
  afterAll(async () => {
    await t?.close()
  })

  it('refuses a TLS 1.2 client', async () => {
    await expect(sendTls(port, '/healthz', { maxVersion: 'TLSv1.2' })).rejects.toThrow(/alert protocol version/)
  })

  it('serves Slack over TLS 1.3 without asking for a client certificate', async () => {
    const res = await sendTls(port, '/slack/events', signedEvent())
    expect(res.status).toBe(200)
  })
})

describe('examples/slackgate-mtls.yaml', () => {
  it('serves mutual TLS with its files in ./tls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-mtls-example-'))
    const file = join(dir, 'slackgate-mtls.yaml')
    copyFileSync(fileURLToPath(new URL('../../examples/slackgate-mtls.yaml', import.meta.url)), file)
    mkdirSync(join(dir, 'tls'))
    copyFileSync(pki.server.certPath, join(dir, 'tls', 'server.pem'))
    copyFileSync(pki.server.keyPath, join(dir, 'tls', 'server.key'))
    copyFileSync(pki.ca.certPath, join(dir, 'tls', 'slack-client-ca.pem'))
    const t = await testApp({ file })
    try {
      expect(t.config.server).toMatchObject({ port: 8443, tls: { mtls: 'required', minVersion: 'TLSv1.2' } })
      await t.app.listen({ host: '127.0.0.1', port: 0 })
      const port = (t.app.server.address() as AddressInfo).port
      expect((await sendTls(port, '/slack/events', { client: pki.clients.slack, ...signedEvent() })).status).toBe(200)
      expect(JSON.parse((await sendTls(port, '/slack/events', signedEvent())).body)).toEqual({ error: 'client_certificate_missing' })
    } finally {
      await t.close()
    }
  })
})

describe('server.trustedProxy', () => {
  const proxyHeaders = (value?: string | string[]): OutgoingHttpHeaders => ({
    ...slackHeaders(eventBody),
    ...(value !== undefined && { 'x-client-certificate-san': value }),
  })

  describe('from a trusted address (127.0.0.1)', () => {
    let t: TestApp
    let port: number
    beforeAll(async () => {
      ;({ t, port } = await listening('proxy', '  trustedProxy:\n    addresses: [127.0.0.1, "10.0.0.0/8"]\n'))
    })
    afterAll(async () => {
      await t?.close()
    })

    it('accepts the header naming Slack’s certificate', async () => {
      const res = await sendPlain(port, '/slack/events', { body: eventBody, headers: proxyHeaders(SLACK_NAME) })
      expect(res.status).toBe(200)
    })

    it.each([
      ['another name', 'evil.slack.com', 'client_certificate_mismatch'],
      ['the name with a trailing dot', `${SLACK_NAME}.`, 'client_certificate_mismatch'],
      ['the header twice', [SLACK_NAME, SLACK_NAME], 'client_certificate_mismatch'],
      ['no header', undefined, 'client_certificate_missing'],
    ] as const)('refuses %s with 401', async (_what, value, reason) => {
      const res = await sendPlain(port, '/slack/events', { body: eventBody, headers: proxyHeaders(value as string | string[] | undefined) })
      expect(res.status).toBe(401)
      expect(JSON.parse(res.body)).toEqual({ error: reason })
      expect(t.requestLogs().at(-1)).toMatchObject({ status: 401, verdict: 'rejected', reason })
    })

    it('still checks the Slack signature', async () => {
      const res = await sendPlain(port, '/slack/events', { body: eventBody, headers: { ...slackHeaders(eventBody, { secret: OTHER_SECRET }), 'x-client-certificate-san': SLACK_NAME } })
      expect(JSON.parse(res.body)).toEqual({ error: 'signature_mismatch' })
    })

    it('trusts an IPv4 proxy seen through a dual-stack socket (::ffff:127.0.0.1)', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/slack/events', payload: eventBody, headers: proxyHeaders(SLACK_NAME), remoteAddress: '::ffff:127.0.0.1' })
      expect(res.statusCode).toBe(200)
    })

    it('leaves /healthz alone', async () => {
      expect((await sendPlain(port, '/healthz')).status).toBe(200)
    })
  })

  describe('from an address it does not trust', () => {
    let t: TestApp
    let port: number
    beforeAll(async () => {
      ;({ t, port } = await listening('untrusted-proxy', '  trustedProxy:\n    addresses: ["10.0.0.0/8", "fd00::/8"]\n'))
    })
    afterAll(async () => {
      await t?.close()
    })

    it('refuses a request carrying the header: untrusted_proxy_header', async () => {
      const res = await sendPlain(port, '/slack/events', { body: eventBody, headers: proxyHeaders(SLACK_NAME) })
      expect(res.status).toBe(401)
      expect(JSON.parse(res.body)).toEqual({ error: 'untrusted_proxy_header' })
    })

    it('refuses a request that went around the proxy: client_certificate_missing', async () => {
      const res = await sendPlain(port, '/slack/events', { body: eventBody, headers: proxyHeaders() })
      expect(res.status).toBe(401)
      expect(JSON.parse(res.body)).toEqual({ error: 'client_certificate_missing' })
    })

    it('leaves /healthz alone, header or not', async () => {
      expect((await sendPlain(port, '/healthz', { headers: { 'x-client-certificate-san': SLACK_NAME } })).status).toBe(200)
    })
  })
})

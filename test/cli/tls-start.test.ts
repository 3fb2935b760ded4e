import { request } from 'node:https'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../helpers/cli.js'
import { commandFields, form, slackHeaders } from '../helpers/signing.js'
import { createTestPki, type Issued } from '../helpers/tls-certificates.js'

const stops: RunningGateway[] = []
afterAll(async () => {
  for (const g of stops) await g.stop('SIGKILL')
})

function post(url: string, ca: string, client: Issued | undefined, path: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', ca, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, ...(client !== undefined && { cert: client.cert, key: client.key }) },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('slackgate start with TLS and mutual TLS (a real process)', () => {
  it("serves HTTPS and takes Slack routes only with Slack's client certificate, the signature still checked", async () => {
    const pki = createTestPki()
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-tls-start-'))
    const file = join(dir, 'slackgate.yaml')
    writeFileSync(
      file,
      `server:
  tls:
    cert: { ref: "file:${pki.server.certPath}" }
    key: { ref: "file:${pki.server.keyPath}" }
    ca: { ref: "file:${pki.ca.certPath}" }
    mtls: required
dataDir: ./data
routes:
  - { name: deploy, match: { command: /deploy }, forward: { url: "http://127.0.0.1:9/x" }, public: true }
`,
    )
    const secret = 'tls-start-signing-secret-0123456789'
    const gateway = await startGateway('start', { cwd: dir, env: { SLACK_SIGNING_SECRET: secret, HOST: '127.0.0.1' }, args: ['--config', file] })
    stops.push(gateway)
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:/)
    expect(gateway.output()).toMatch(/"tls":true,"mtls":"required"/)

    const body = form(commandFields)
    const signed = slackHeaders(body, { contentType: 'application/x-www-form-urlencoded', secret, timestamp: Math.floor(Date.now() / 1000) })
    expect(await post(gateway.url, pki.ca.cert, pki.clients.slack, '/slack/commands', body, signed)).toEqual({ status: 200, body: '' })
    expect(await post(gateway.url, pki.ca.cert, pki.clients.evil, '/slack/commands', body, signed)).toEqual({ status: 401, body: '{"error":"client_certificate_mismatch"}' })
    expect(await post(gateway.url, pki.ca.cert, undefined, '/slack/commands', body, signed)).toEqual({ status: 401, body: '{"error":"client_certificate_missing"}' })
    const forged = slackHeaders(body, { contentType: 'application/x-www-form-urlencoded', secret: 'x'.repeat(40), timestamp: Math.floor(Date.now() / 1000) })
    expect(await post(gateway.url, pki.ca.cert, pki.clients.slack, '/slack/commands', body, forged)).toEqual({ status: 401, body: '{"error":"signature_mismatch"}' })
  })
})

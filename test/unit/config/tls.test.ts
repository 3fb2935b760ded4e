import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.js'
import { NOW, SECRET } from '../../helpers/signing.js'
import { createTestPki, type TestPki } from '../../helpers/tls-certificates.js'
import { configErrorOf } from '../../helpers/config-error.js'

let pki: TestPki
let dir: string
beforeAll(() => {
  pki = createTestPki()
})

/** Loads a config file whose `server:` section is `serverYaml`, next to the PKI's files. */
function load(serverYaml: string, options: { env?: Record<string, string>; withoutSecrets?: boolean } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-tls-config-'))
  const file = join(dir, 'slackgate.yaml')
  writeFileSync(file, `server:\n${serverYaml}`)
  return loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET, ...options.env }, cwd: dir, now: NOW, ...(options.withoutSecrets === true && { withoutSecrets: true }) })
}

function problemsOf(fn: () => unknown): { code: string; problems: Array<{ key: string; message: string }> } {
  const err = configErrorOf(fn)
  return { code: err.code, problems: [...err.problems] }
}

const tlsYaml = (lines: string[]) => ['  tls:', ...lines.map((l) => `    ${l}`), ''].join('\n')
const files = () => [`cert: { ref: "file:${pki.server.certPath}" }`, `key: { ref: "file:${pki.server.keyPath}" }`]

describe('server.tls', () => {
  it('resolves cert, key and ca from file and env references, with defaults', () => {
    // As `CLIENT_CA="$(cat ca.pem)"` sets it: surrounding whitespace is refused, as for every secret.
    const config = load(tlsYaml([...files(), 'ca: { ref: env:CLIENT_CA }', 'mtls: required']), { env: { CLIENT_CA: pki.ca.cert.trim() } })
    const tls = config.server.tls
    expect(tls).toMatchObject({ minVersion: 'TLSv1.2', mtls: 'required', clientCertificateName: 'platform-tls-client.slack.com' })
    // One trailing newline is dropped from a file, as for every secret reference.
    expect(tls?.cert).toBe(pki.server.cert.replace(/\n$/, ''))
    expect(tls?.ca).toBe(pki.ca.cert.trim())
    expect(tls?.key()).toBe(pki.server.key.replace(/\n$/, ''))
  })

  it('holds the private key only behind a function: printing the config shows no key', () => {
    const config = load(tlsYaml(files()))
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY')
    expect(config.server.tls?.mtls).toBe('off')
  })

  it('resolves relative file references from the config file', () => {
    dir = mkdtempSync(join(tmpdir(), 'slackgate-tls-config-'))
    const file = join(pki.dir, 'relative.yaml')
    writeFileSync(file, 'server:\n  tls:\n    cert: { ref: file:./server.pem }\n    key: { ref: file:./server.key }\n    minVersion: TLSv1.3\n')
    const config = loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET }, cwd: dir, now: NOW })
    expect(config.server.tls?.minVersion).toBe('TLSv1.3')
    expect(config.server.tls?.cert).toContain('-----BEGIN CERTIFICATE-----')
  })

  it('refuses mtls: required without ca', () => {
    const { code, problems } = problemsOf(() => load(tlsYaml([...files(), 'mtls: required'])))
    expect(code).toBe('invalid_config')
    expect(problems).toEqual([{ key: 'server.tls.ca', message: expect.stringContaining('mtls: required needs ca') }])
  })

  it.each(['TLSv1', 'TLSv1.1', 'SSLv3', 'tlsv1.2'])('refuses minVersion %s', (version) => {
    const { code, problems } = problemsOf(() => load(tlsYaml([...files(), `minVersion: ${version}`])))
    expect(code).toBe('invalid_config')
    expect(problems).toEqual([{ key: 'server.tls.minVersion', message: 'must be TLSv1.2 or TLSv1.3: older versions are refused' }])
  })

  it('refuses a literal PEM where a reference is expected, without printing it', () => {
    const pem = JSON.stringify(pki.server.cert)
    for (const yaml of [`cert: { ref: ${pem} }`, `cert: ${pem}`]) {
      const { code, problems } = problemsOf(() => load(tlsYaml([yaml, `key: { ref: "file:${pki.server.keyPath}" }`])))
      expect(code).toBe('invalid_config')
      expect(problems.map((p) => p.key)).toEqual([yaml.startsWith('cert: {') ? 'server.tls.cert.ref' : 'server.tls.cert'])
      expect(problems[0]?.message).toMatch(/env:NAME or file:PATH/)
      expect(JSON.stringify(problems)).not.toContain('BEGIN')
    }
  })

  it('reports an unresolvable reference by key (unresolved_secret), never the value', () => {
    const { code, problems } = problemsOf(() => load(tlsYaml(['cert: { ref: env:TLS_CERT }', 'key: { ref: file:./missing.key }'])))
    expect(code).toBe('unresolved_secret')
    expect(problems).toEqual([
      { key: 'server.tls.cert.ref', message: 'environment variable TLS_CERT is not set' },
      { key: 'server.tls.key.ref', message: expect.stringMatching(/^cannot read .*missing\.key \(ENOENT\)$/) },
    ])
  })

  it('refuses a key that is not the certificate’s, a key that is not PEM, and a ca that holds no certificate', () => {
    const { code, problems } = problemsOf(() =>
      load(tlsYaml([`cert: { ref: "file:${pki.server.certPath}" }`, `key: { ref: "file:${pki.clients.slack.keyPath}" }`, 'ca: { ref: env:CA }']), { env: { CA: 'not a certificate' } }),
    )
    expect(code).toBe('unresolved_secret')
    expect(problems).toEqual([
      { key: 'server.tls.ca.ref', message: expect.stringContaining('no PEM certificate') },
      { key: 'server.tls.key.ref', message: 'is not the private key of server.tls.cert' },
    ])
    const notPem = problemsOf(() => load(tlsYaml([`cert: { ref: "file:${pki.server.certPath}" }`, 'key: { ref: env:KEY }']), { env: { KEY: 'hunter2-not-a-key' } }))
    expect(notPem.problems).toEqual([{ key: 'server.tls.key.ref', message: expect.stringContaining('is not a PEM private key') }])
    expect(JSON.stringify(notPem.problems)).not.toContain('hunter2')
  })

  it('reads nothing when loaded without secrets', () => {
    const config = load(tlsYaml(['cert: { ref: file:./missing.pem }', 'key: { ref: env:UNSET }']), { withoutSecrets: true })
    expect(config.server.tls).toBeUndefined()
  })

  it.each(['*.slack.com', 'platform-tls-client.slack.com.', 'Platform-TLS-Client.slack.com', 'slack'])('refuses clientCertificateName %j', (name) => {
    const { problems } = problemsOf(() => load(tlsYaml([...files(), `clientCertificateName: "${name}"`])))
    expect(problems.map((p) => p.key)).toEqual(['server.tls.clientCertificateName'])
  })

  it('refuses unknown keys', () => {
    const { problems } = problemsOf(() => load(tlsYaml([...files(), 'rejectUnauthorized: false'])))
    expect(problems).toEqual([{ key: 'server.tls', message: 'unknown key(s): rejectUnauthorized' }])
  })
})

describe('server.trustedProxy', () => {
  it('takes addresses and ranges, with the default header and name', () => {
    const config = load('  trustedProxy:\n    addresses: [127.0.0.1, "10.0.0.0/8", "::1", "fd00::/8"]\n')
    expect(config.server.trustedProxy).toEqual({
      addresses: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'],
      header: 'x-client-certificate-san',
      clientCertificateName: 'platform-tls-client.slack.com',
    })
  })

  it('lowercases the header name, as Node presents headers', () => {
    const config = load('  trustedProxy:\n    addresses: [10.1.2.3]\n    header: X-SSL-Client-SAN\n')
    expect(config.server.trustedProxy?.header).toBe('x-ssl-client-san')
  })

  it.each([
    ['[]', 'server.trustedProxy.addresses'],
    ['["0.0.0.0/0"]', 'server.trustedProxy.addresses[0]'],
    ['["::/0"]', 'server.trustedProxy.addresses[0]'],
    ['[proxy.internal]', 'server.trustedProxy.addresses[0]'],
    ['[127.0.0.1, "10.0.0.0/40"]', 'server.trustedProxy.addresses[1]'],
  ])('refuses addresses %s', (list, key) => {
    const { code, problems } = problemsOf(() => load(`  trustedProxy:\n    addresses: ${list}\n`))
    expect(code).toBe('invalid_config')
    expect(problems.map((p) => p.key)).toEqual([key])
  })

  it('refuses trustedProxy together with tls.mtls: required, saying why', () => {
    const { code, problems } = problemsOf(() =>
      load(`${tlsYaml([...files(), `ca: { ref: "file:${pki.ca.certPath}" }`, 'mtls: required'])}  trustedProxy:\n    addresses: [127.0.0.1]\n`),
    )
    expect(code).toBe('invalid_config')
    expect(problems).toEqual([{ key: 'server.trustedProxy', message: expect.stringContaining('configure one of them') }])
  })

  it('may sit in front of a gateway that serves TLS without requiring client certificates', () => {
    const config = load(`${tlsYaml(files())}  trustedProxy:\n    addresses: [127.0.0.1]\n`)
    expect(config.server.tls?.mtls).toBe('off')
    expect(config.server.trustedProxy?.addresses).toEqual(['127.0.0.1'])
  })
})

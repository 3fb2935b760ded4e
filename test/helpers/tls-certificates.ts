import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Issued {
  readonly cert: string
  readonly key: string
  /** Paths inside the PKI directory. */
  readonly certPath: string
  readonly keyPath: string
}

export interface TestPki {
  readonly dir: string
  /** Signs the server certificate and the good client certificates. */
  readonly ca: Issued
  readonly server: Issued
  readonly clients: {
    /** SAN `DNS:platform-tls-client.slack.com`: what Slack sends. */
    readonly slack: Issued
    /** SAN `DNS:evil.slack.com`. */
    readonly evil: Issued
    /** SAN `DNS:*.slack.com`. */
    readonly wildcard: Issued
    /** CN `platform-tls-client.slack.com`, but SAN `DNS:other.example`. */
    readonly rightCnWrongSan: Issued
    /** CN `platform-tls-client.slack.com` and no SAN at all. */
    readonly cnOnly: Issued
    /** SAN `DNS:platform-tls-client.slack.com`, signed by a CA the gateway does not trust. */
    readonly otherCa: Issued
    /** One SAN DNS entry `evil.example, DNS:platform-tls-client.slack.com`, which Node prints quoted. */
    readonly smuggled: Issued
  }
}

const CONFIG = `[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`

/** A throwaway PKI made with the `openssl` binary: P-256 keys, valid for a day. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-pki-'))
  const cnf = join(dir, 'openssl.cnf')
  writeFileSync(cnf, CONFIG)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENSSL_CONF: cnf } })
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const issued = (name: string): Issued => ({
    certPath: join(dir, `${name}.pem`),
    keyPath: join(dir, `${name}.key`),
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  })
  const ca = (name: string): Issued => {
    openssl('req', '-x509', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=slackgate test ${name}`, '-config', cnf, '-extensions', 'ca_ext')
    return issued(name)
  }
  let serial = 1
  const leaf = (name: string, issuer: string, cn: string, extensions: string[]): Issued => {
    writeFileSync(join(dir, `${name}.ext`), ['[ext]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', ...extensions, ''].join('\n'))
    openssl('req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, '-config', cnf)
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', String(serial++), '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`, '-extensions', 'ext')
    return issued(name)
  }
  const client = (name: string, issuer: string, cn: string, san?: string) =>
    leaf(name, issuer, cn, ['extendedKeyUsage = clientAuth', ...(san === undefined ? [] : [`subjectAltName = ${san}`])])

  const root = ca('ca')
  ca('other-ca')
  const slackName = 'platform-tls-client.slack.com'
  return {
    dir,
    ca: root,
    server: leaf('server', 'ca', 'localhost', ['extendedKeyUsage = serverAuth', 'subjectAltName = DNS:localhost, IP:127.0.0.1']),
    clients: {
      slack: client('client-slack', 'ca', slackName, `DNS:${slackName}`),
      evil: client('client-evil', 'ca', 'evil.slack.com', 'DNS:evil.slack.com'),
      wildcard: client('client-wildcard', 'ca', '*.slack.com', 'DNS:*.slack.com'),
      rightCnWrongSan: client('client-right-cn-wrong-san', 'ca', slackName, 'DNS:other.example'),
      cnOnly: client('client-cn-only', 'ca', slackName),
      otherCa: client('client-other-ca', 'other-ca', slackName, `DNS:${slackName}`),
      smuggled: client('client-smuggled', 'ca', 'smuggled.example', `@alt\n[alt]\nDNS.1 = evil.example, DNS:${slackName}`),
    },
  }
}

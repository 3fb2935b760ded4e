import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import type { ConfigProblem } from './errors.js'
import { resolveSecretRef } from './secret-ref.js'
import type { TlsSettings } from './tls-schema.js'

/** `server.tls` with its PEM texts read and checked. The key is read on demand, never held in printable form. */
export interface ServerTls {
  /** The server certificate chain, PEM. */
  readonly cert: string
  readonly key: () => string
  /** The CA bundle client certificates must chain to, PEM. */
  readonly ca?: string
  readonly minVersion: TlsSettings['minVersion']
  readonly mtls: TlsSettings['mtls']
  readonly clientCertificateName: string
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * Reads `server.tls`'s references and checks what they hold: certificates that parse, a
 * private key that parses and belongs to the server certificate. Problems are reported by
 * key and never quote the text.
 */
export function resolveServerTls(settings: TlsSettings | undefined, env: NodeJS.ProcessEnv, baseDir: string, problems: ConfigProblem[]): ServerTls | undefined {
  if (settings === undefined) return undefined
  const before = problems.length
  const read = (key: string, ref: string): string | undefined => {
    const resolved = resolveSecretRef(ref, env, baseDir)
    if (!resolved.ok) problems.push({ key, message: resolved.message })
    return resolved.ok ? resolved.value : undefined
  }
  const cert = read('server.tls.cert.ref', settings.cert.ref)
  const key = read('server.tls.key.ref', settings.key.ref)
  const ca = settings.ca === undefined ? undefined : read('server.tls.ca.ref', settings.ca.ref)
  const chain = cert === undefined ? undefined : certificates(cert, 'server.tls.cert.ref', problems)
  const privateKey = key === undefined ? undefined : parsePrivateKey(key, problems)
  if (ca !== undefined) certificates(ca, 'server.tls.ca.ref', problems)
  const leaf = chain?.[0]
  if (leaf !== undefined && privateKey !== undefined && !leaf.checkPrivateKey(privateKey)) {
    problems.push({ key: 'server.tls.key.ref', message: 'is not the private key of server.tls.cert' })
  }
  if (problems.length > before || cert === undefined || key === undefined) return undefined
  return {
    cert,
    key: () => key,
    ...(ca !== undefined && { ca }),
    minVersion: settings.minVersion,
    mtls: settings.mtls,
    clientCertificateName: settings.clientCertificateName,
  }
}

function certificates(text: string, key: string, problems: ConfigProblem[]): X509Certificate[] | undefined {
  const blocks = text.match(PEM_CERTIFICATE) ?? []
  if (blocks.length === 0) {
    problems.push({ key, message: 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' })
    return undefined
  }
  try {
    return blocks.map((b) => new X509Certificate(b))
  } catch {
    problems.push({ key, message: 'holds a PEM certificate that does not parse' })
    return undefined
  }
}

function parsePrivateKey(text: string, problems: ConfigProblem[]): KeyObject | undefined {
  try {
    return createPrivateKey(text)
  } catch {
    // Node's message can quote the input's shape; ours never does.
    problems.push({ key: 'server.tls.key.ref', message: 'is not a PEM private key (an encrypted key is not supported)' })
    return undefined
  }
}

import type { SecureContextOptions, TlsOptions } from 'node:tls'
import type { ServerTls } from '../config/server-tls.js'

/**
 * The `https` options Fastify creates its server with. With `mtls: required` the client
 * certificate is requested but a missing or unverifiable one does not abort the handshake
 * (`rejectUnauthorized: false`): the Slack routes answer it with a coded 401 instead (see
 * client-certificate-hook.ts), and `/healthz` stays reachable without one.
 */
export function httpsOptions(tls: ServerTls): TlsOptions & SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key(),
    minVersion: tls.minVersion,
    ...(tls.mtls === 'required' && { ca: tls.ca, requestCert: true, rejectUnauthorized: false }),
  }
}

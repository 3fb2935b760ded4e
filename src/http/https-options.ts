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

/**
 * Node's own deadlines, set when the server is created (`headersTimeout` and the checking
 * interval cannot be changed later). Node checks them on an interval (30 s by default, on
 * top of the deadline): it is kept to a quarter of the shortest deadline, at most 1 s, so
 * a stalled client is cut off close to its deadline. Both answer 408 `request_timeout`.
 */
export function serverTimeouts(server: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number; readonly keepAliveTimeoutMs: number }) {
  return {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.floor(server.headersTimeoutMs / 4)),
  }
}

import { TLSSocket } from 'node:tls'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config/load.js'
import { createAddressList } from '../verify/address-list.js'
import { checkClientCertificate, checkProxiedCertificate, type ClientCertificateVerdict } from '../verify/client-certificate.js'
import { rawHeaderValue } from '../verify/header-value.js'

export type ClientCertificateHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

/**
 * The `onRequest` hook of the Slack routes when the configuration asks for Slack's client
 * certificate: checked on this socket (`server.tls.mtls: required`) or vouched for by a
 * trusted proxy's header (`server.trustedProxy`). Undefined when neither is configured.
 * It runs before the body is read, and a refusal is a 401 with its code; a request it lets
 * through still has its Slack signature checked (mutual TLS is in addition, never instead).
 * https://api.slack.com/docs/verifying-requests-from-slack#mutual_tls
 */
export function clientCertificateHook(server: GatewayConfig['server']): ClientCertificateHook | undefined {
  const { tls, trustedProxy } = server
  let check: (request: FastifyRequest) => ClientCertificateVerdict & { readonly detail?: string }
  if (tls?.mtls === 'required') {
    const name = tls.clientCertificateName
    check = (request) => {
      const socket = request.raw.socket
      if (!(socket instanceof TLSSocket)) return { ok: false, reason: 'client_certificate_missing' }
      const verdict = checkClientCertificate({ certificate: socket.getPeerCertificate(), authorized: socket.authorized }, name)
      // OpenSSL's reason (e.g. CERT_HAS_EXPIRED), for the log line only.
      const error = socket.authorizationError as unknown
      return !verdict.ok && verdict.reason === 'client_certificate_untrusted' && typeof error === 'string' ? { ...verdict, detail: error } : verdict
    }
  } else if (trustedProxy !== undefined) {
    const trusted = createAddressList(trustedProxy.addresses)
    const { header, clientCertificateName } = trustedProxy
    check = (request) =>
      checkProxiedCertificate(
        { remoteAddress: request.raw.socket.remoteAddress, header: rawHeaderValue(request.raw.rawHeaders, header) },
        trusted,
        clientCertificateName,
      )
  } else {
    return undefined
  }
  return async function checkClientCertificateHook(request, reply) {
    const verdict = check(request)
    if (verdict.ok) return undefined
    request.outcome = { verdict: 'rejected', reason: verdict.reason, ...(verdict.detail !== undefined && { detail: verdict.detail }) }
    // The body of a client we cannot identify is never read: close rather than drain it.
    return reply.code(401).header('connection', 'close').send({ error: verdict.reason })
  }
}

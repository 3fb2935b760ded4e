import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config/load.js'
import { configWarnings } from '../config/config-warnings.js'
import type { Admission, AdmitInput } from '../dispatch/admit.js'
import type { Authorize } from '../policy/authorize.js'
import type { AuditLog } from '../audit/audit-log.js'
import { createRequestAuditor, type RequestAuditor } from './audit-hook.js'
import type { ResponseMessage } from '../dispatch/sdk.js'
import { epochSeconds } from '../verify/verifier-options.js'
import { mapError } from './errors.js'
import { clientCertificateHook } from './client-certificate-hook.js'
import { ALWAYS_ANSWERED, limitConnections } from './connection-limit.js'
import { healthRoutes } from './health-routes.js'
import { httpsOptions, serverTimeouts } from './https-options.js'
import { metricsRoute } from './metrics-route.js'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { DECODE_CODES } from '../slack/errors.js'
import './outcome.js'
import type { RequestOutcome } from './outcome.js'
import type { ReadinessCheck } from './readiness.js'
import { slackRoutes, type SlackRoutesOptions } from './slack-routes.js'
import type { AckAnswering } from './ack-route.js'
import { workflowRoutes } from './workflow-routes.js'
import { hookRoutes } from './hook-routes.js'
import { installRoutes } from './install-routes.js'
import type { NonceStore } from '../replay/nonce-store.js'
import type { Vault } from '../vault/vault.js'
import type { JWK } from 'jose'
import { VERSION } from './version.js'

/** How long `/readyz` (and the console's Live page) waits for each dependency. */
export const DEFAULT_READINESS_TIMEOUT_MS = 2000

export interface AppOptions {
  readonly config: GatewayConfig
  /** Routes that answer in the ack: their plans, the answer store and the handler's context (http/ack-route.ts). */
  readonly acks?: AckAnswering
  readonly logger: FastifyBaseLogger
  /** The access policy stage (see policy/authorize.ts). */
  readonly authorize: Authorize
  /** Dedupe, route and enqueue a verified request (see dispatch/admit.ts). */
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Posts to an interaction's response_url; the refusal notice of a denied interaction. */
  readonly respond: (responseUrl: string, message: ResponseMessage) => Promise<void>
  /** Epoch seconds; injectable so tests can pin the clock. */
  readonly clock?: () => number
  readonly readiness?: readonly ReadinessCheck[]
  /** How long `/readyz` waits for each dependency. Default DEFAULT_READINESS_TIMEOUT_MS. */
  readonly readinessTimeoutMs?: number
  /** Where every ingress request is recorded before it is answered. */
  readonly audit?: AuditLog
  /** The gateway's public signing keys, served at `/.well-known/jwks.json`. */
  readonly jwks?: () => { keys: JWK[] }
  /** Counts every answered request; `GET /metrics` serves them when given. */
  readonly metrics?: GatewayMetrics
  /** The audit chain head, for `/healthz`. */
  readonly auditHead?: () => Promise<{ readonly seq: number; readonly hash: string } | undefined>
  /** Epoch milliseconds of the last successful delivery in this process, for `/healthz`. */
  readonly lastDeliveryAt?: () => number | undefined
  /** What the install flow stores into and claims states in; required when `config.install` is set. */
  readonly install?: { readonly vault: Vault; readonly nonces: NonceStore; readonly fetch?: typeof fetch }
  /** Applies `app_uninstalled` and `tokens_revoked` to the token vault (see slack-routes.ts). */
  readonly lifecycle?: SlackRoutesOptions['lifecycle']
  /** Custom steps' ingress: tokens sealed, inputs checked (see slack-routes.ts). */
  readonly steps?: SlackRoutesOptions['steps']
}

/**
 * Builds the gateway's Fastify app: routes and stages are assembled once here, and each
 * request then runs a fixed path. Nothing is listening until `app.listen()`.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  if (config.slack.signingSecrets.length === 0) throw new Error('no signing secret: the gateway never serves without one')
  const clock = options.clock ?? epochSeconds
  const timeouts = serverTimeouts(config.server)
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request is ours (onResponse below), with the verdict in it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimitBytes,
    requestTimeout: config.server.requestTimeoutMs,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    // Request ids are ours: a client-supplied id would let a caller forge log correlation.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    clientErrorHandler,
    http: timeouts,
    // A TLS handshake comes before the headers, and Node would wait 120 s for it.
    ...(config.server.tls !== undefined && { https: { ...httpsOptions(config.server.tls), ...timeouts, handshakeTimeout: config.server.headersTimeoutMs } }),
  })
  const connections = limitConnections(app.server, config.server.maxConnections, options.logger)
  // First of all hooks, so that a connection over the cap costs no routing work past this.
  app.addHook('onRequest', async (request, reply) => {
    if (!connections.overCap(request.raw.socket)) return
    // Answered, then closed: the connection's slot goes back to the ones under the cap.
    reply.header('connection', 'close')
    if (ALWAYS_ANSWERED.has(request.routeOptions.url ?? '')) return
    request.outcome = { verdict: 'rejected', reason: 'too_many_connections' }
    return reply.code(503).header('retry-after', '1').send({ error: 'too_many_connections' })
  })

  app.decorateRequest('outcome', null)
  app.decorateRequest('auditContext', null)
  let auditor: RequestAuditor | undefined
  if (options.audit !== undefined) {
    const payloads = new Set(config.routes.filter((r) => r.audit?.storePayload === true).map((r) => r.name))
    auditor = createRequestAuditor({ audit: options.audit, storesPayload: (route) => payloads.has(route), now: options.clock === undefined ? Date.now : () => clock() * 1000 })
    app.addHook('onSend', auditor.onSend)
  }
  const recordEarly = (request: FastifyRequest) => auditor?.start(request)
  const { metrics } = options
  app.addHook('onResponse', async (request, reply) => {
    const outcome = request.outcome
    const retryNum = request.headers['x-slack-retry-num']
    const verdict = outcome?.verdict ?? (reply.statusCode < 400 ? 'accepted' : 'rejected')
    if (metrics !== undefined) observe(metrics, request.routeOptions.url, verdict, outcome, request.headers['x-slack-request-timestamp'], reply.elapsedTime, clock)
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        verdict,
        ...(outcome?.reason !== undefined && { reason: outcome.reason }),
        ...(outcome?.kind !== undefined && { kind: outcome.kind }),
        ...(outcome?.detail !== undefined && { detail: outcome.detail }),
        ...(outcome?.route !== undefined && { slackRoute: outcome.route }),
        ...(outcome?.rule !== undefined && { rule: outcome.rule }),
        ...(outcome?.jobId !== undefined && { jobId: outcome.jobId }),
        ...(outcome?.subject !== undefined && { subject: outcome.subject }),
        // Caller-controlled: logged only in the shape Slack sends (a small number).
        ...(typeof retryNum === 'string' && /^[0-9]{1,3}$/.test(retryNum) && { slackRetryNum: Number(retryNum) }),
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    )
  })

  app.setErrorHandler((err, request, reply) => {
    const mapped = mapError(err)
    request.outcome = { verdict: 'rejected', reason: mapped.code }
    if (mapped.status >= 500) request.log.error({ err }, 'request failed')
    // An oversize body is left unread: the connection cannot carry another request.
    if (mapped.status === 413) reply.header('connection', 'close')
    return reply.code(mapped.status).send({ error: mapped.code })
  })
  app.setNotFoundHandler((request, reply) => {
    request.outcome = { verdict: 'rejected', reason: 'not_found' }
    return reply.code(404).send({ error: 'not_found' })
  })

  const verifyOptions = () => ({
    secrets: config.slack.signingSecrets,
    now: clock(),
    toleranceSeconds: config.slack.timestampToleranceSeconds,
  })
  const clientCheck = clientCertificateHook(config.server)
  // Its own context, so that the client certificate check covers the Slack routes and only them.
  await app.register(async (slack) => {
    if (clientCheck !== undefined) slack.addHook('onRequest', clientCheck)
    await slack.register(slackRoutes, {
      bodyLimit: config.server.bodyLimitBytes,
      verifyOptions,
      authorize: options.authorize,
      admit: options.admit,
      respond: options.respond,
      recordEarly,
      ignoreSelf: config.slack.ignoreSelf,
      ...(options.lifecycle !== undefined && { lifecycle: options.lifecycle }),
      ...(options.steps !== undefined && { steps: options.steps }),
      ...(options.acks !== undefined && { acks: options.acks }),
    })
  })
  await app.register(hookRoutes, {
    bodyLimit: config.server.bodyLimitBytes,
    sources: config.sources,
    authorize: options.authorize,
    admit: options.admit,
    recordEarly,
    clock,
    respond: options.respond,
    ...(clientCheck !== undefined && { slackClientCheck: clientCheck }),
  })
  await app.register(workflowRoutes, {
    bodyLimit: config.server.bodyLimitBytes,
    endpoints: config.workflows,
    authorize: options.authorize,
    recordEarly,
    admit: options.admit,
    now: () => clock() * 1000,
  })
  if (config.install !== undefined) {
    const { install, slack } = config
    if (options.install === undefined || slack.clientId === undefined || slack.clientSecret === undefined) throw new Error('the install flow needs the token vault and slack.clientId/clientSecret')
    await app.register(installRoutes, {
      install,
      apiUrl: slack.apiUrl,
      clientId: slack.clientId,
      clientSecret: slack.clientSecret,
      vault: options.install.vault,
      nonces: options.install.nonces,
      clock,
      ...(options.audit !== undefined && { audit: options.audit }),
      ...(options.install.fetch !== undefined && { fetch: options.install.fetch }),
    })
  }
  const { jwks } = options
  if (jwks !== undefined) {
    // What internal services verify the gateway's tokens against. A new kid after a rotation
    // is fetched by JOSE libraries when a token names it, whatever the cache says.
    app.get('/.well-known/jwks.json', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('application/json').send(jwks()),
    )
  }
  if (metrics !== undefined) await app.register(metricsRoute, { metrics })
  await app.register(healthRoutes, {
    clock,
    version: VERSION,
    ...(options.auditHead !== undefined && { auditHead: options.auditHead }),
    ...(options.lastDeliveryAt !== undefined && { lastDeliveryAt: options.lastDeliveryAt }),
    readiness: options.readiness ?? [],
    readinessTimeoutMs: options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
    warnings: configWarnings(config),
  })
  return app
}

const DECODE_REASONS: ReadonlySet<string> = new Set(DECODE_CODES)
// The endpoints whose timestamp Slack signs: not /slack/install and /slack/oauth_redirect,
// which a browser opens, with whatever headers it likes.
const SLACK_SIGNED: ReadonlySet<string> = new Set(['/slack/events', '/slack/commands', '/slack/interactions'])

/**
 * Counts one answered request and, for a Slack request whose signature verified (it was
 * accepted, or refused only after decoding), the skew between Slack's timestamp and our clock.
 * Unverified timestamps are anyone's to send, so they never move the skew.
 */
function observe(
  metrics: GatewayMetrics,
  endpoint: string | undefined,
  verdict: RequestOutcome['verdict'],
  outcome: RequestOutcome | null,
  timestamp: string | string[] | undefined,
  elapsedMs: number,
  clock: () => number,
): void {
  metrics.observeRequest({ endpoint: endpoint ?? 'unmatched', verdict, reason: outcome?.reason, route: outcome?.route, rule: outcome?.rule, seconds: elapsedMs / 1000 })
  const verified = outcome !== null && (outcome.verdict !== 'rejected' || (outcome.reason !== undefined && DECODE_REASONS.has(outcome.reason)))
  if (verified && SLACK_SIGNED.has(endpoint ?? '') && typeof timestamp === 'string' && /^[0-9]{1,12}$/.test(timestamp)) {
    metrics.observeSlackTimestamp(Number(timestamp), clock())
  }
}

// Malformed or late HTTP never reaches a route (or never finishes reaching it); answer it in
// our error format, close, and log it as a request line. Fastify calls this bound to the app.
function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string; library?: string }, socket: Socket): void {
  // A failed or timed-out TLS handshake (https.Server passes its tlsClientError here) has no
  // HTTP to answer in: close it, as Node would, or the connection would stay open.
  if (err.code === 'ECONNRESET' || !socket.writable || err.code?.startsWith('ERR_TLS_') === true || err.code?.startsWith('ERR_SSL_') === true || err.library !== undefined) {
    socket.destroy()
    return
  }
  const [status, code, text] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'Request Timeout']
        : [400, 'bad_request', 'Bad Request']
  this.log.info({ method: null, route: null, status, verdict: 'rejected', reason: code }, 'request')
  const body = JSON.stringify({ error: code })
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

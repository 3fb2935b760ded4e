import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify'
import type { AuditLog } from '../audit/audit-log.js'
import { adminOrigin, type AdminConfig } from '../config/admin-schema.js'
import type { GatewayConfig } from '../config/load.js'
import type { JobQueue } from '../dispatch/job-queue.js'
import type { ReadinessCheck } from '../http/readiness.js'
import type { SigningKeys } from '../keys/signing-keys.js'
import type { Vault } from '../vault/vault.js'
import { mapError } from '../http/errors.js'
import { createAddressList } from '../verify/address-list.js'
import '../http/outcome.js'
import { html } from './console/html.js'
import { canOperate } from './console/layout.js'
import { assetRoutes } from './console-routes/assets.js'
import { authRoutes } from './console-routes/auth.js'
import { formField, noticePage, recordAdmin, refuse, sendPage, sessionIdFrom, type ConsoleContext, type FormBody } from './console-routes/context.js'
import { installationRoutes } from './console-routes/installations.js'
import { jobRoutes } from './console-routes/jobs.js'
import { keyRoutes } from './console-routes/keys.js'
import { liveRoutes } from './console-routes/live.js'
import { requestRoutes } from './console-routes/requests.js'
import { routeRoutes } from './console-routes/routes.js'
import { csrfRefusal } from './security/csrf.js'
import { DATA_PAGE_HEADERS, SECURITY_HEADERS } from './security/headers.js'
import { clientAddress } from './security/client-address.js'
import { createLoginThrottle } from './security/login-throttle.js'
import { clearSessionCookie, createSessionStore } from './security/sessions.js'

export interface ConsolePluginOptions {
  readonly admin: AdminConfig
  /** Where the Requests pages read and every admin action is recorded. */
  readonly audit: AuditLog
  /** What the Jobs page lists, retries and drops. */
  readonly queue: JobQueue
  /** The configured route names (the re-drive form offers them). */
  readonly routes: readonly string[]
  /** The gateway's config: the Routes page and its explain, and key rotation, read it as the CLI does. */
  readonly config: GatewayConfig
  /** The Live page's counters: the text `GET /metrics` serves. */
  readonly metrics: () => Promise<string>
  /** The checks `/readyz` runs, and its timeout: the Live page shows the stores' readiness. */
  readonly readiness: readonly ReadinessCheck[]
  readonly readinessTimeoutMs: number
  /** What the Installations page lists and revokes. */
  readonly vault: Vault
  /** Told of a rotation from the Keys page, so the gateway signs with the new key at once. */
  readonly signingKeys: SigningKeys
  /** Epoch milliseconds: sessions, lockouts, records and relative filters (`1h`) read it. */
  readonly now?: () => number
}

/** The largest console form: a bulk action's ids fit with room to spare; anything larger is 413. */
const FORM_LIMIT_BYTES = 64 * 1024
const FORM = 'application/x-www-form-urlencoded'
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The admin console, to register under `/admin`: sign-in, the Requests pages, the Jobs page,
 * Live, Routes, Installations, Keys and the assets. Every response has the security headers
 * (pages with data also no-store); every route but sign-in and the assets needs a live
 * session; every state-changing request is checked against cross-site forgery (Fetch
 * Metadata, Origin, the session's token) before its handler; operator actions need the
 * operator role. Forms are parsed here only, within this plugin's context: the Slack routes
 * keep their raw-body parsers.
 *
 * @example
 * await app.register(consolePlugin, { prefix: '/admin', admin: config.admin, audit, queue, routes: ['deploy'], config, metrics: () => metrics.render(), readiness, readinessTimeoutMs: 2000, vault, signingKeys })
 */
export const consolePlugin: FastifyPluginAsync<ConsolePluginOptions> = async (instance, options) => {
  const now = options.now ?? Date.now
  const { admin } = options
  const proxies = createAddressList(admin.trustedProxies)
  const ctx: ConsoleContext = {
    admin,
    origin: adminOrigin(admin),
    audit: options.audit,
    queue: options.queue,
    routes: options.routes,
    sessions: createSessionStore({ idleMinutes: admin.sessionIdleMinutes, absoluteHours: admin.sessionAbsoluteHours, now }),
    throttle: createLoginThrottle({ now }),
    clientOf: (request) => clientAddress(request.raw.socket.remoteAddress, request.headers['x-forwarded-for'], proxies),
    now,
  }

  instance.removeAllContentTypeParsers()
  instance.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => done(null, parseForm(body as string)))
  instance.decorateRequest('adminSession', null)
  instance.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS)
  })
  instance.addHook('preHandler', (request, reply) => guard(ctx, request, reply))
  instance.setErrorHandler(async (err, request, reply) => {
    const mapped = mapError(err)
    request.outcome = { verdict: 'rejected', reason: mapped.code }
    if (mapped.status >= 500) request.log.error({ err }, 'admin console request failed')
    if (mapped.status === 413) reply.header('connection', 'close')
    return sendPage(reply, mapped.status, noticePage('Error', html`<p class="notice error" role="alert">This request could not be handled.</p><p class="muted">Reason: <code>${mapped.code}</code></p>`))
  })
  instance.setNotFoundHandler(async (request, reply) => {
    request.outcome = { verdict: 'rejected', reason: 'not_found' }
    return sendPage(reply, 404, noticePage('Not found', html`<p class="notice error" role="alert">No such page.</p><p class="muted">Reason: <code>not_found</code></p><p><a href="/admin/requests">Requests</a></p>`))
  })

  instance.get('/', { config: { consoleAccess: 'public' } }, async (_request, reply) => reply.code(303).headers(DATA_PAGE_HEADERS).header('location', '/admin/requests').send())
  authRoutes(instance, ctx)
  requestRoutes(instance, ctx)
  jobRoutes(instance, ctx)
  liveRoutes(instance, ctx, options)
  routeRoutes(instance, options.config)
  installationRoutes(instance, ctx, { vault: options.vault, configBotToken: options.config.slack.botToken !== undefined })
  keyRoutes(instance, ctx, options)
  await assetRoutes(instance)
}

/**
 * Runs before every console handler, in order: a public route passes; otherwise a live
 * session (else 303 to the sign-in, an ended one logged as `admin_session_expired`), then,
 * for a request that may change state, the CSRF checks, then the role. A refusal is audited
 * with the session's name.
 */
async function guard(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const access = request.routeOptions.config.consoleAccess ?? 'session'
  if (access === 'public') return undefined
  const id = sessionIdFrom(request.headers.cookie)
  const session = id === undefined ? undefined : ctx.sessions.get(id)
  if (session === undefined) {
    request.outcome = { verdict: 'rejected', reason: 'admin_session_expired' }
    // An ended session's cookie is removed, so the browser stops sending it.
    if (id !== undefined) reply.header('set-cookie', clearSessionCookie())
    // Returned, so Fastify waits for the answer to leave and runs no handler.
    return reply.code(303).headers(DATA_PAGE_HEADERS).header('location', '/admin/login').send()
  }
  request.adminSession = session
  const header = request.headers['x-csrf-token']
  const token = formField(request.body, '_csrf') ?? (typeof header === 'string' ? header : undefined)
  const refusal = SAFE_METHODS.has(request.method)
    ? undefined
    : (csrfRefusal(request.method, request.headers, ctx.origin, session.csrfToken, token) ?? (access === 'operator' && !canOperate(session.user.role) ? 'admin_forbidden' : undefined))
  if (refusal === undefined) return undefined
  const { id: jobId } = (request.params ?? {}) as { id?: unknown }
  await recordAdmin(ctx, request, {
    action: 'post',
    verdict: 'refused',
    reason: refusal,
    name: session.user.name,
    target: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
    ...(typeof jobId === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(jobId) && { jobId }),
  })
  return refuse(request, reply, refusal, session)
}

/** A urlencoded body, each field with all its values, in a Map (no prototype keys to hijack). */
function parseForm(body: string): FormBody {
  const form = new Map<string, string[]>()
  for (const [key, value] of new URLSearchParams(body)) {
    const values = form.get(key)
    if (values === undefined) form.set(key, [value])
    else values.push(value)
  }
  return form
}

/**
 * The console on a listener of its own (`admin.listen`): a bare Fastify app with the plugin at
 * `/admin`, request ids of its own making, and one log line per request like the gateway's.
 * Nothing is listening until `listen()`.
 *
 * @example
 * const consoleApp = await buildConsoleApp({ admin, audit, queue, routes, config, metrics, readiness, readinessTimeoutMs, vault, signingKeys }, logger)
 * await consoleApp.listen({ host: admin.listen.host, port: admin.listen.port })
 */
export async function buildConsoleApp(options: ConsolePluginOptions, logger: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: FORM_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  })
  app.decorateRequest('outcome', null)
  app.addHook('onResponse', async (request, reply) => {
    const outcome = request.outcome
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        verdict: outcome?.verdict ?? (reply.statusCode < 400 ? 'accepted' : 'rejected'),
        ...(outcome?.reason !== undefined && { reason: outcome.reason }),
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    )
  })
  app.get('/', async (_request, reply) => reply.code(303).headers(SECURITY_HEADERS).header('location', '/admin/requests').send())
  app.setNotFoundHandler(async (request, reply) => {
    request.outcome = { verdict: 'rejected', reason: 'not_found' }
    return reply.code(404).headers(SECURITY_HEADERS).send({ error: 'not_found' })
  })
  await app.register(consolePlugin, { ...options, prefix: '/admin' })
  return app
}

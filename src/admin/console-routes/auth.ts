import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderLogin } from '../console/layout.js'
import { crossSiteRefusal } from '../security/csrf.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { dummyVerify, verifyPassword } from '../security/password.js'
import { clearSessionCookie, sessionCookie } from '../security/sessions.js'
import { formField, recordAdmin, refuse, sendPage, sessionIdFrom, sessionOf, type ConsoleContext } from './context.js'

/** The longest name a sign-in reads: the form's own maxlength. */
const MAX_NAME_INPUT = 200

/**
 * Sign-in and sign-out (OWASP Authentication and Session Management Cheat Sheets): one
 * generic answer for any failed sign-in, a throttle per name and per address, the same hashing
 * work for an unknown name, a new session at each sign-in, and every outcome audited.
 *
 * @example
 * authRoutes(instance, ctx) // GET and POST /admin/login, POST /admin/logout
 */
export function authRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/login', { config: { consoleAccess: 'public' } }, async (_request, reply) => sendPage(reply, 200, renderLogin()))
  app.post('/login', { config: { consoleAccess: 'public' } }, (request, reply) => login(ctx, request, reply))
  app.post('/logout', { config: { consoleAccess: 'session' } }, async (request, reply) => {
    const session = sessionOf(request)
    ctx.sessions.destroy(session.id)
    await recordAdmin(ctx, request, { action: 'logout', verdict: 'logout', name: session.user.name })
    return reply.code(303).headers(DATA_PAGE_HEADERS).header('set-cookie', clearSessionCookie()).header('location', '/admin/login').send()
  })
}

async function login(ctx: ConsoleContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const name = (formField(request.body, 'name') ?? '').trim().slice(0, MAX_NAME_INPUT)
  // Login CSRF: a forged sign-in would put the victim in the attacker's session. There is no
  // session token yet, so the browser's Fetch Metadata and Origin are the check.
  const crossSite = crossSiteRefusal(request.method, request.headers, ctx.origin)
  if (crossSite !== undefined) {
    await recordAdmin(ctx, request, { action: 'login', verdict: 'refused', reason: crossSite, name })
    return refuse(request, reply, crossSite)
  }
  const client = ctx.clientOf(request)
  const gate = ctx.throttle.check(name, client)
  if (!gate.allowed) {
    // Locked: the password is not checked at all, and the page is the failure's.
    await recordAdmin(ctx, request, { action: 'login', verdict: 'locked_out', reason: 'admin_locked_out', name })
    request.outcome = { verdict: 'rejected', reason: 'admin_locked_out' }
    return sendPage(reply.header('retry-after', String(gate.retryAfterSeconds)), 429, renderLogin({ error: true, name }))
  }
  const password = formField(request.body, 'password') ?? ''
  const user = ctx.admin.users.find((u) => u.name === name.toLowerCase())
  // An unknown name costs a hash like a known one: the time taken tells nothing.
  const ok = user === undefined ? await dummyVerify(password, ctx.admin.users[0]?.passwordHash) : await verifyPassword(password, user.passwordHash)
  if (!ok || user === undefined) {
    ctx.throttle.fail(name, client)
    await recordAdmin(ctx, request, { action: 'login', verdict: 'login_failed', reason: 'admin_login_failed', name })
    request.outcome = { verdict: 'rejected', reason: 'admin_login_failed' }
    return sendPage(reply, 401, renderLogin({ error: true, name }))
  }
  ctx.throttle.succeed(name, client)
  // No fixation: whatever id the browser had ends, and the session gets a fresh one.
  const previous = sessionIdFrom(request.headers.cookie)
  if (previous !== undefined) ctx.sessions.destroy(previous)
  const session = ctx.sessions.create({ name: user.name, role: user.role })
  await recordAdmin(ctx, request, { action: 'login', verdict: 'login', name: user.name })
  const maxAge = Math.max(0, Math.floor((session.absoluteExpiresAt - ctx.now()) / 1000))
  return reply.code(303).headers(DATA_PAGE_HEADERS).header('set-cookie', sessionCookie(session.id, maxAge)).header('location', '/admin/requests').send()
}

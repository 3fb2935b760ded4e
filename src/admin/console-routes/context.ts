import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditLog } from '../../audit/audit-log.js'
import type { AdminConfig } from '../../config/admin-schema.js'
import type { JobQueue } from '../../dispatch/job-queue.js'
import { adminRecord, type AdminRecordInput } from '../admin-record.js'
import { renderPage, type ConsoleSection } from '../console/layout.js'
import { html, type SafeHtml } from '../console/html.js'
import { problemList } from '../console/pages/common.js'
import { ADMIN_MESSAGES, ADMIN_STATUS, type AdminCode } from '../errors.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import type { LoginThrottle } from '../security/login-throttle.js'
import { SESSION_COOKIE_NAME, type Session, type SessionStore } from '../security/sessions.js'

/** What every console route group is built with, once, when the plugin is registered. */
export interface ConsoleContext {
  readonly admin: AdminConfig
  /** The origin every state-changing request must come from (adminOrigin). */
  readonly origin: string
  readonly audit: AuditLog
  readonly queue: JobQueue
  /** The configured route names, for the Jobs page's re-drive form. */
  readonly routes: readonly string[]
  readonly sessions: SessionStore
  readonly throttle: LoginThrottle
  /** Where a request came from, for the throttle: behind `admin.trustedProxies`, from X-Forwarded-For. */
  readonly clientOf: (request: FastifyRequest) => string
  /** Epoch milliseconds. */
  readonly now: () => number
}

/** Who may reach a route: anyone (sign-in, assets), a session, or an operator's session. */
export type ConsoleAccess = 'public' | 'session' | 'operator'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Console routes only: who may reach it (console-plugin.ts checks it before the handler). */
    consoleAccess?: ConsoleAccess
  }
  interface FastifyRequest {
    /** The console session of a route that requires one, once checked; null elsewhere. */
    adminSession: Session | null
  }
}

/** The session of a route whose access is `session` or `operator` (checked before its handler). */
export function sessionOf(request: FastifyRequest): Session {
  if (request.adminSession === null) throw new Error('a console route that needs a session was reached without one')
  return request.adminSession
}

/** The session id the request's cookie carries, if any (the first, should the browser send two). */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === SESSION_COOKIE_NAME) return value.join('=')
  }
  return undefined
}

/** The query string as given, repeats kept (the filters refuse a field given twice). */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?')
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1))
}

/** A urlencoded form, each field with every value it was given. */
export type FormBody = ReadonlyMap<string, readonly string[]>

/** A field given exactly once, or undefined (absent, or repeated: a repeat is not guessed at). */
export function formField(body: unknown, name: string): string | undefined {
  const values = body instanceof Map ? (body as FormBody).get(name) : undefined
  return values?.length === 1 ? values[0] : undefined
}

/** Every value of a repeated field (checkboxes). */
export function formFields(body: unknown, name: string): readonly string[] {
  return (body instanceof Map ? (body as FormBody).get(name) : undefined) ?? []
}

/** Sends an HTML page that shows data: no cache keeps a copy. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).headers(DATA_PAGE_HEADERS).type('text/html; charset=utf-8').send(page)
}

/** A console page for a signed-in admin. */
export function sendConsolePage(reply: FastifyReply, session: Session, title: string, active: ConsoleSection, body: SafeHtml, status = 200): FastifyReply {
  return sendPage(reply, status, renderPage({ title, user: session.user, csrfToken: session.csrfToken, active, body }))
}

/** A 400 page listing what was wrong with what was asked, and a way back. */
export function badRequest(request: FastifyRequest, reply: FastifyReply, session: Session, problems: readonly string[], active: 'requests' | 'jobs'): FastifyReply {
  request.outcome = { verdict: 'rejected', reason: 'bad_request' }
  const back = active === 'jobs' ? html`<p><a href="/admin/jobs">← Jobs</a></p>` : html`<p><a href="/admin/requests">← Requests</a></p>`
  return sendConsolePage(reply, session, 'Bad request', active, html`${problemList(problems)}${back}`, 400)
}

/**
 * Answers a refusal with its status and a page naming its code and fixed message (never
 * anything from the request), and puts the code in the request's log line.
 */
export function refuse(request: FastifyRequest, reply: FastifyReply, code: AdminCode, session?: Session): FastifyReply {
  request.outcome = { verdict: 'rejected', reason: code }
  const notice = html`<p class="notice error" role="alert">${ADMIN_MESSAGES[code]}</p><p class="muted">Reason: <code>${code}</code></p>`
  if (session !== undefined) return sendConsolePage(reply, session, 'Refused', 'requests', notice, ADMIN_STATUS[code])
  return sendPage(reply, ADMIN_STATUS[code], noticePage('Refused', html`${notice}<p><a href="/admin/login">Sign in</a></p>`))
}

/** A page outside the session (a refused sign-in POST, an error before a session is known). */
export function noticePage(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · slackgate</title>
<link rel="stylesheet" href="/admin/assets/console.css">
</head>
<body class="login">
<main id="main" class="login-box">
<h1>slackgate <span>admin</span></h1>
${body}
</main>
</body>
</html>
`.toString()
}

/**
 * Appends the audit record of an admin action and waits until it is durable: an action that
 * cannot be accounted for is not answered as done (the error handler answers 500).
 */
export async function recordAdmin(ctx: ConsoleContext, request: FastifyRequest, input: Omit<AdminRecordInput, 'at' | 'requestId'>): Promise<void> {
  await ctx.audit.append(adminRecord({ at: ctx.now(), requestId: request.id, ...input }))
}

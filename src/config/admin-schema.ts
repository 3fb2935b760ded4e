import { z } from 'zod'
import { parsePasswordHash } from '../admin/security/password.js'
import { parseAddressRange } from '../verify/address-list.js'
import { httpsOrLoopbackUrl } from './url-schema.js'

function addressRange(value: string, ctx: z.RefinementCtx): void {
  const range = parseAddressRange(value)
  if (!range.ok) ctx.addIssue({ code: 'custom', message: range.message })
}

const LOOPBACK_HOST = /^(localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|::1|\[::1\])$/

/**
 * A password hash from `slackgate admin hash-password`, checked at load: scrypt with at least
 * OWASP's parameters. It is not a secret the gateway needs back, but it can be attacked
 * offline, so an error names the key and never quotes the value.
 */
const passwordHash = z.string().superRefine((value, ctx) => {
  const parsed = parsePasswordHash(value)
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem })
})

const adminUserSchema = z.strictObject({
  /** The sign-in name: a lowercase id, so that `Alice` and `alice` cannot be two accounts. */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ., - and _ (at most 64)'),
  passwordHash,
  /** `viewer` reads; `operator` may also act (retry or drop jobs and the like). */
  role: z.enum(['viewer', 'operator']).default('viewer'),
})

/** The console's origin, as browsers send it in `Origin`: scheme, host and port, nothing else. */
const originSchema = httpsOrLoopbackUrl('admin.origin')
  .refine((u) => {
    const url = new URL(u)
    return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === ''
  }, 'an origin only: scheme, host and port, such as https://gateway.example.com (no path, query or user)')
  .transform((u) => new URL(u).origin)

/**
 * `admin`: the admin console at `/admin`, served only when this section is present. Its own
 * listen address keeps it off the port Slack reaches; without one it is served by the main
 * server.
 */
export const adminSchema = z
  .strictObject({
    /** A listener of its own (default: the main server). */
    listen: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535),
      })
      .optional(),
    /** The console's public origin, which every state-changing request's `Origin` must equal. */
    origin: originSchema.optional(),
    users: z.array(adminUserSchema).min(1, 'give at least one user: the console has no other way in').max(100),
    /** Minutes without a request after which a session ends (OWASP: 15 to 30 for a high-value application). */
    sessionIdleMinutes: z.number().int().min(1).max(60).default(15),
    /** Hours after sign-in after which a session ends, however active. */
    sessionAbsoluteHours: z.number().int().min(1).max(24).default(8),
    /**
     * Reverse proxies in front of the console (addresses or CIDR ranges): from them, the
     * sign-in throttle reads the client's address from `X-Forwarded-For`.
     */
    trustedProxies: z.array(z.string().superRefine(addressRange)).max(100).default([]),
  })
  .superRefine((a, ctx) => {
    const names = new Set<string>()
    a.users.forEach((u, i) => {
      if (names.has(u.name)) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: `duplicate user name ${u.name}` })
      names.add(u.name)
    })
    // The Origin check needs the one origin browsers will send; only a loopback listener's is known beforehand.
    if (a.origin === undefined && (a.listen === undefined || !LOOPBACK_HOST.test(a.listen.host) || a.listen.port === 0)) {
      ctx.addIssue({ code: 'custom', path: ['origin'], message: "required unless admin.listen is a loopback host with a fixed port: the console's https origin, such as https://gateway.example.com" })
    }
  })

export type AdminConfig = z.output<typeof adminSchema>

/**
 * The origin state-changing console requests must come from: `admin.origin`, else that of the
 * loopback listener (`http://127.0.0.1:8081`).
 *
 * @example
 * crossSiteRefusal(req.method, req.headers, adminOrigin(config.admin))
 */
export function adminOrigin(admin: AdminConfig): string {
  if (admin.origin !== undefined) return admin.origin
  if (admin.listen === undefined) throw new Error('admin.origin is required without admin.listen')
  const host = admin.listen.host === '::1' ? '[::1]' : admin.listen.host
  return `http://${host}:${admin.listen.port}`
}

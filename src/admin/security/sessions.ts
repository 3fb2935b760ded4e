import { randomBytes } from 'node:crypto'

/**
 * Console sessions (OWASP Session Management Cheat Sheet): 256-bit random ids from the CSPRNG,
 * a new id at every sign-in (no fixation: an id set before sign-in is never promoted), an
 * idle and an absolute timeout checked by the server, and a cookie the browser keeps to this
 * host, over HTTPS, out of scripts' reach and off cross-site requests.
 */

export type AdminRole = 'viewer' | 'operator'

export interface AdminUser {
  readonly name: string
  readonly role: AdminRole
}

export interface Session {
  readonly id: string
  readonly user: AdminUser
  /** The synchronizer token every state-changing request of this session must carry. */
  readonly csrfToken: string
  /** When it was created (ms). */
  readonly createdAt: number
  /** When it ends unless used again (ms). */
  readonly idleExpiresAt: number
  /** When it ends whatever happens (ms): createdAt plus the absolute timeout. */
  readonly absoluteExpiresAt: number
}

export interface SessionStoreOptions {
  /** Minutes without a request after which a session ends (default 15). */
  readonly idleMinutes?: number
  /** Hours after sign-in after which a session ends, however active (default 8). */
  readonly absoluteHours?: number
  /** Most sessions held (default 10,000); past it the least recently used ends. */
  readonly maxSessions?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

export interface SessionStore {
  /** A new session, with a new id and CSRF token: call at each sign-in, and destroy the old one. */
  create(user: AdminUser): Session
  /** The live session of `id`, its idle time restarted; undefined when unknown or expired. */
  get(id: string): Session | undefined
  /** Ends one session (sign-out). */
  destroy(id: string): void
  /** Ends every session of a user (password changed, user removed). */
  destroyAllOf(name: string): void
}

/** The session cookie: `__Host-` makes the browser refuse it unless Secure, host-only and Path=/ (RFC 6265bis 4.1.3.2). */
export const SESSION_COOKIE_NAME = '__Host-slackgate-admin'

const ID_BYTES = 32
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * Builds an in-process store (a restart signs everyone out; each instance has its own, so
 * several instances need sticky sessions).
 *
 * @example
 * const sessions = createSessionStore({ idleMinutes: 15, absoluteHours: 8 })
 * const session = sessions.create({ name: 'alice', role: 'operator' })
 * reply.header('set-cookie', sessionCookie(session.id, 8 * 3600))
 */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const now = options.now ?? Date.now
  const idleMs = (options.idleMinutes ?? 15) * 60_000
  const absoluteMs = (options.absoluteHours ?? 8) * 3_600_000
  const maxSessions = options.maxSessions ?? 10_000
  // Map order is recency: a session is moved to the end when used, the front is evicted.
  const sessions = new Map<string, Session>()

  function makeRoom(at: number): void {
    for (const [id, s] of sessions) if (!live(s, at)) sessions.delete(id)
    for (const id of sessions.keys()) {
      if (sessions.size < maxSessions) return
      sessions.delete(id)
    }
  }

  return {
    create(user) {
      const at = now()
      if (sessions.size >= maxSessions) makeRoom(at)
      const session: Session = {
        id: randomToken(),
        user: { name: user.name, role: user.role },
        csrfToken: randomToken(),
        createdAt: at,
        idleExpiresAt: Math.min(at + idleMs, at + absoluteMs),
        absoluteExpiresAt: at + absoluteMs,
      }
      sessions.set(session.id, session)
      return session
    },
    get(id) {
      if (!ID_PATTERN.test(id)) return undefined
      const session = sessions.get(id)
      if (session === undefined) return undefined
      const at = now()
      sessions.delete(id)
      if (!live(session, at)) return undefined
      const refreshed = { ...session, idleExpiresAt: Math.min(at + idleMs, session.absoluteExpiresAt) }
      sessions.set(id, refreshed)
      return refreshed
    },
    destroy(id) {
      sessions.delete(id)
    },
    destroyAllOf(name) {
      for (const [id, s] of sessions) if (s.user.name === name) sessions.delete(id)
    },
  }
}

function live(session: Session, at: number): boolean {
  return at < session.idleExpiresAt && at < session.absoluteExpiresAt
}

/** 32 bytes from the CSPRNG in base64url: 256 bits, beyond guessing (OWASP asks for at least 64). */
function randomToken(): string {
  return randomBytes(ID_BYTES).toString('base64url')
}

const COOKIE_ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict'

/**
 * The Set-Cookie value of a session: host-only (no Domain), Path=/, HttpOnly (no script reads
 * it), Secure, and SameSite=Strict (not sent on requests from other sites, a first line against
 * CSRF). Max-Age should be the time to the session's absolute expiry.
 *
 * @example
 * sessionCookie(session.id, Math.floor((session.absoluteExpiresAt - Date.now()) / 1000))
 */
export function sessionCookie(id: string, maxAgeSeconds: number): string {
  if (!ID_PATTERN.test(id)) throw new TypeError('not a session id')
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) throw new RangeError('maxAgeSeconds must be a whole number of seconds, at least 0')
  return `${SESSION_COOKIE_NAME}=${id}; Max-Age=${maxAgeSeconds}; ${COOKIE_ATTRIBUTES}`
}

/** The Set-Cookie value that removes the session cookie (sign-out, expired session). */
export function clearSessionCookie(): string {
  return `${SESSION_COOKIE_NAME}=; Max-Age=0; ${COOKIE_ATTRIBUTES}`
}

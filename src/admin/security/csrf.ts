import { timingSafeEqual } from 'node:crypto'

/**
 * Cross-site request forgery defences (OWASP CSRF Prevention Cheat Sheet), layered: the
 * session cookie is SameSite=Strict, the browser's own Fetch Metadata and Origin headers must
 * say the request comes from the console's origin, and every state-changing request carries
 * the session's synchronizer token.
 */

/** What a cross-site check refuses with; `csrf_token_invalid` is the token's own (see csrfTokenMatches). */
export type CrossSiteCode = 'csrf_cross_site' | 'csrf_origin_mismatch' | 'csrf_origin_missing'

/** Request headers as Node gives them: lowercase names, a list for a repeated header. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

// RFC 9110 9.2.1: these do not change state, and the console never makes them do so.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

// `none` is a navigation the user started (typed URL, bookmark); `same-site` is refused too: a
// sibling subdomain is another application, maybe less trusted.
const ALLOWED_FETCH_SITES: ReadonlySet<string> = new Set(['same-origin', 'none'])

/**
 * Whether the token a request carries is its session's, compared in constant time. A missing,
 * empty or differently sized token is false (answer `csrf_token_invalid`).
 *
 * @example
 * if (!csrfTokenMatches(session.csrfToken, body._csrf)) throw new AdminError('csrf_token_invalid')
 */
export function csrfTokenMatches(expected: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || expected.length === 0) return false
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Why a request must be refused as cross-site, or undefined. Safe methods pass. Otherwise
 * `Sec-Fetch-Site` must be `same-origin` or `none` when sent, `Origin` must be exactly
 * `expectedOrigin` when sent, and at least one of the two must be sent (every current browser
 * sends both on a form POST; a client that sends neither cannot be told apart from a forged
 * one).
 *
 * @example
 * const refusal = crossSiteRefusal(req.method, req.headers, 'https://gateway.example.com')
 * if (refusal !== undefined) throw new AdminError(refusal)
 */
export function crossSiteRefusal(method: string, headers: RequestHeaders, expectedOrigin: string): CrossSiteCode | undefined {
  if (SAFE_METHODS.has(method)) return undefined
  const site = headers['sec-fetch-site']
  const origin = headers.origin
  if (site !== undefined && (typeof site !== 'string' || !ALLOWED_FETCH_SITES.has(site))) return 'csrf_cross_site'
  // `Origin: null` (a sandboxed frame, a redirect across origins) is not the console's origin.
  if (origin !== undefined && origin !== expectedOrigin) return 'csrf_origin_mismatch'
  if (site === undefined && origin === undefined) return 'csrf_origin_missing'
  return undefined
}

/**
 * The whole check of a request that may change state, in order: where it comes from, then
 * its token. The first failure is the answer; undefined lets it through.
 *
 * @example
 * const refusal = csrfRefusal(req.method, req.headers, origin, session.csrfToken, body._csrf)
 * if (refusal !== undefined) throw new AdminError(refusal)
 */
export function csrfRefusal(
  method: string,
  headers: RequestHeaders,
  expectedOrigin: string,
  sessionToken: string,
  givenToken: string | undefined,
): CrossSiteCode | 'csrf_token_invalid' | undefined {
  if (SAFE_METHODS.has(method)) return undefined
  return crossSiteRefusal(method, headers, expectedOrigin) ?? (csrfTokenMatches(sessionToken, givenToken) ? undefined : 'csrf_token_invalid')
}

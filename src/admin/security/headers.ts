/**
 * Response headers of the admin console (OWASP HTTP Headers Cheat Sheet). The policy allows
 * only the console's own scripts and styles (no inline code, so an injected `<script>` does
 * not run), forms posting back to it, and no framing (clickjacking).
 */

/** The Content-Security-Policy: nothing unless listed; no inline script or style. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * Headers of every console response, pages and assets alike.
 *
 * @example
 * reply.headers(SECURITY_HEADERS)
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // For browsers without frame-ancestors.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // The console uses none of these: no page of it (or code injected into one) may ask for them.
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=()',
})

/**
 * Headers of a response that shows data (every page behind the sign-in, and the sign-in form,
 * which carries a token): no cache, shared or local, keeps a copy.
 *
 * @example
 * reply.headers(DATA_PAGE_HEADERS)
 */
export const DATA_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  'cache-control': 'no-store',
})

/**
 * Reason codes for a rejected bearer token on a workflow endpoint. Part of the wire
 * contract: `insufficient_scope` is a 403, `jwks_unavailable` a 503 (the caller's key set
 * could not be fetched: fail closed), every other code a 401. `body_mismatch` is only
 * reported by `verifyGatewayToken`, to a service whose body is not the one the gateway
 * signed for. Never renamed or reused.
 */
export const JWT_CODES = [
  'missing_token',
  'malformed_token',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'alg_not_allowed',
  'unknown_kid',
  'token_too_long_lived',
  'missing_claim',
  'insufficient_scope',
  'jwks_unavailable',
  'body_mismatch',
] as const

export type JwtCode = (typeof JWT_CODES)[number]

/** The HTTP status each code is answered with. */
export function jwtCodeStatus(code: JwtCode): 401 | 403 | 503 {
  if (code === 'insufficient_scope') return 403
  if (code === 'jwks_unavailable') return 503
  return 401
}

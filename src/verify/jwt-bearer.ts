import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import type { JwtCode } from './jwt-errors.js'

/** The algorithms an endpoint may allow. `none` is not among them, and never will be. */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export const DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS = 30
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 3600
/** Longer than any token a workflow step needs to send; a bigger header is refused unread. */
const MAX_TOKEN_LENGTH = 8192

export interface RemoteKeySetOptions {
  readonly url: URL
  /** How long a fetched key set is used before it is fetched again (default 10 min). */
  readonly cacheMaxAgeMs?: number
  /** The least time between two fetches, also when a token names an unknown `kid` (default 30 s). */
  readonly cooldownMs?: number
  /** How long one fetch may take (default 5 s). */
  readonly timeoutMs?: number
}

export interface JwtVerifierOptions {
  /** The allowlist; a token whose header names any other algorithm is refused before any key is tried. */
  readonly algorithms: readonly JwtAlgorithm[]
  /** HS256's shared secret: used for HS256 and for nothing else. */
  readonly secret?: Uint8Array
  /** Public keys, as JWKs (a `kid` on each lets a token pick one). Used for asymmetric algorithms only. */
  readonly publicKeys?: readonly JWK[]
  /** A remote key set (JWKS URL), fetched, cached and refreshed by jose. */
  readonly jwks?: RemoteKeySetOptions
  readonly issuer?: string
  readonly audience?: string | readonly string[]
  readonly clockToleranceSeconds?: number
  /** A token whose `exp - iat` (or, without `iat`, whose remaining life) exceeds this is refused. */
  readonly maxLifetimeSeconds?: number
  /** Scopes the token must hold, all of them, in `scope` (space-separated) or `scp` (array). */
  readonly requiredScopes?: readonly string[]
  /** Require a `jti` claim (for single-use tokens). */
  readonly requireJti?: boolean
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

/** Who called, as the verified token says. Available to policy, the audit log and handlers. */
export interface JwtIdentity {
  readonly subject?: string
  readonly issuer?: string
  readonly audience?: string | readonly string[]
  readonly scopes: readonly string[]
  readonly tokenId?: string
  /** Epoch seconds. */
  readonly issuedAt?: number
  readonly expiresAt: number
  /** Every claim of the verified token. */
  readonly claims: Readonly<JWTPayload>
}

export type JwtVerdict =
  | { readonly ok: true; readonly identity: JwtIdentity }
  | { readonly ok: false; readonly reason: JwtCode }

/** Verifies the `Authorization` header of one request. Never throws: every failure is a verdict. */
export type JwtVerifier = (authorization: string | readonly string[] | undefined) => Promise<JwtVerdict>

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i

/** The key set could not be fetched or read: the endpoint answers 503, not 401. */
class KeySetUnavailable extends Error {}

/**
 * Builds the verifier of one workflow endpoint. Checks, in order: a single `Bearer` header;
 * the algorithm in the token's header against the allowlist (so `none`, and a symmetric
 * algorithm on an endpoint with public keys, fail before any key is touched); the signature,
 * with the key kind the algorithm calls for (the HS256 secret is never tried as a public
 * key, nor a public key as an HMAC secret); `exp` (always required), `nbf`, `iat`, `iss` and
 * `aud` with the clock tolerance; the token's lifetime; the required scopes.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms = [...options.algorithms]
  if (algorithms.length === 0) throw new Error('a JWT verifier needs at least one algorithm')
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS
  const requiredScopes = options.requiredScopes ?? []
  const now = options.now ?? Date.now
  const asymmetric = asymmetricKeys(options)
  const secret = options.secret

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (secret === undefined) throw new errors.JOSEAlgNotAllowed('HS256 has no secret on this endpoint')
      return secret
    }
    if (asymmetric === undefined) throw new errors.JOSEAlgNotAllowed(`${String(header.alg)} has no key on this endpoint`)
    return asymmetric(header, token)
  }
  const required = ['exp', ...(options.requireJti === true ? ['jti'] : [])]

  return async function verifyBearer(authorization) {
    if (authorization === undefined || authorization === '') return fail('missing_token')
    if (typeof authorization !== 'string') return fail('malformed_token')
    if (authorization.length > MAX_TOKEN_LENGTH) return fail('malformed_token')
    if (!/^bearer /i.test(authorization)) return fail('missing_token')
    const token = BEARER.exec(authorization)?.[1]
    if (token === undefined) return fail('malformed_token')

    let alg: unknown
    try {
      alg = decodeProtectedHeader(token).alg
    } catch {
      return fail('malformed_token')
    }
    if (typeof alg !== 'string' || !(algorithms as string[]).includes(alg)) return fail('alg_not_allowed')

    const at = now()
    let claims: JWTPayload
    try {
      ;({ payload: claims } = await jwtVerify(token, getKey, {
        algorithms,
        requiredClaims: required,
        clockTolerance: tolerance,
        currentDate: new Date(at),
        ...(options.issuer !== undefined && { issuer: options.issuer }),
        ...(options.audience !== undefined && { audience: [options.audience].flat() }),
      }))
    } catch (err) {
      return fail(reasonFor(err))
    }

    const exp = claims.exp as number
    const nowSeconds = Math.floor(at / 1000)
    if (claims.iat !== undefined && claims.iat > nowSeconds + tolerance) return fail('not_yet_valid')
    const lifetime = claims.iat !== undefined ? exp - claims.iat : exp - nowSeconds
    if (lifetime > maxLifetime) return fail('token_too_long_lived')
    if (options.requireJti === true && (typeof claims.jti !== 'string' || claims.jti === '' || claims.jti.length > 256)) {
      return fail('missing_claim')
    }

    const scopes = scopesOf(claims)
    if (!requiredScopes.every((s) => scopes.includes(s))) return fail('insufficient_scope')
    return {
      ok: true,
      identity: {
        ...(claims.sub !== undefined && { subject: claims.sub }),
        ...(claims.iss !== undefined && { issuer: claims.iss }),
        ...(claims.aud !== undefined && { audience: claims.aud }),
        scopes,
        ...(claims.jti !== undefined && { tokenId: claims.jti }),
        ...(claims.iat !== undefined && { issuedAt: claims.iat }),
        expiresAt: exp,
        claims,
      },
    }
  }
}

function fail(reason: JwtCode): JwtVerdict {
  return { ok: false, reason }
}

/** The key set for asymmetric algorithms: remote, or built once from the configured public keys. */
function asymmetricKeys(options: JwtVerifierOptions): JWTVerifyGetKey | undefined {
  if (options.jwks !== undefined) {
    const { url, cacheMaxAgeMs, cooldownMs, timeoutMs } = options.jwks
    if (!isAllowedKeySetUrl(url)) throw new Error(`a JWKS URL must be https (or http to loopback), got ${url.protocol}//${url.host}`)
    const remote = createRemoteJWKSet(url, {
      cacheMaxAge: cacheMaxAgeMs ?? 600_000,
      cooldownDuration: cooldownMs ?? 30_000,
      timeoutDuration: timeoutMs ?? 5000,
    })
    return async (header, token) => {
      try {
        return await remote(header, token)
      } catch (err) {
        // A key set that answers but holds no matching key is the token's fault; anything
        // else (unreachable, slow, not a key set) is ours, and fails closed.
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err
        throw new KeySetUnavailable('the key set could not be fetched', { cause: err })
      }
    }
  }
  if (options.publicKeys !== undefined && options.publicKeys.length > 0) return createLocalJWKSet({ keys: [...options.publicKeys] })
  return undefined
}

/** `https:`, or `http:` to this machine only (tests, a sidecar). */
export function isAllowedKeySetUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
}

function scopesOf(claims: JWTPayload): string[] {
  const scopes: string[] = []
  if (typeof claims.scope === 'string') scopes.push(...claims.scope.split(' ').filter((s) => s !== ''))
  if (Array.isArray(claims.scp)) scopes.push(...claims.scp.filter((s): s is string => typeof s === 'string'))
  else if (typeof claims.scp === 'string') scopes.push(...claims.scp.split(' ').filter((s) => s !== ''))
  return [...new Set(scopes)]
}

function reasonFor(err: unknown): JwtCode {
  if (err instanceof KeySetUnavailable) return 'jwks_unavailable'
  if (err instanceof errors.JWTExpired) return 'expired'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return 'missing_claim'
    if (err.claim === 'nbf' || err.claim === 'iat') return 'not_yet_valid'
    if (err.claim === 'iss') return 'wrong_issuer'
    if (err.claim === 'aud') return 'wrong_audience'
    return 'malformed_token'
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature'
  if (err instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed'
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown_kid'
  return 'malformed_token'
}

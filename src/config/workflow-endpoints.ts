import { createPublicKey, type JsonWebKey } from 'node:crypto'
import type { JWK } from 'jose'
import { compileBodySchema, type BodyValidator } from '../workflow/body-schema.js'
import type { JwtVerifierOptions } from '../verify/jwt-bearer.js'
import type { ConfigProblem } from './errors.js'
import type { RouteConfig } from './schema.js'
import { resolveSecretRef } from './secret-ref.js'

/** An HS256 secret shorter than the hash output would be the weakest link (RFC 7518 §3.2). */
const MIN_HS256_SECRET_BYTES = 32

/** A workflow endpoint, ready to serve: its verification rules resolved (keys read, secret loaded). */
export interface WorkflowEndpoint {
  /** The name in `POST /workflows/<name>`. */
  readonly name: string
  /** The route it dispatches to. */
  readonly route: string
  readonly verifier: Omit<JwtVerifierOptions, 'now' | 'requireJti'>
  /** Each token runs once: `jti` required and claimed until the token expires. */
  readonly singleUse: boolean
  readonly validateBody?: BodyValidator
}

/**
 * Resolves the workflow routes' `jwt` settings: the HS256 secret (at least 32 bytes), public
 * keys from PEM or JWK text (as public JWKs), and the body schema compiled. Problems are
 * collected and reported by key, never with a secret value.
 */
export function resolveWorkflowEndpoints(
  routes: readonly RouteConfig[],
  env: NodeJS.ProcessEnv,
  baseDir: string,
  problems: ConfigProblem[],
): WorkflowEndpoint[] {
  const endpoints: WorkflowEndpoint[] = []
  routes.forEach((route, i) => {
    const name = route.match.workflow
    const jwt = route.jwt
    if (name === undefined || jwt === undefined) return
    const at = `routes[${i}].jwt`
    let secret: Uint8Array | undefined
    if (jwt.secret !== undefined) {
      const resolved = resolveSecretRef(jwt.secret.ref, env, baseDir)
      if (!resolved.ok) problems.push({ key: `${at}.secret.ref`, message: resolved.message })
      else if (Buffer.byteLength(resolved.value) < MIN_HS256_SECRET_BYTES) {
        problems.push({ key: `${at}.secret.ref`, message: `an HS256 secret must be at least ${MIN_HS256_SECRET_BYTES} bytes` })
      } else secret = new TextEncoder().encode(resolved.value)
    }
    const publicKeys: JWK[] = []
    jwt.publicKeys?.forEach((entry, k) => {
      const resolved = resolveSecretRef(entry.ref, env, baseDir)
      if (!resolved.ok) return void problems.push({ key: `${at}.publicKeys[${k}].ref`, message: resolved.message })
      const jwk = publicJwkFrom(resolved.value)
      if (jwk === undefined) return void problems.push({ key: `${at}.publicKeys[${k}].ref`, message: 'is not a PEM public key or a JWK' })
      const kid = entry.kid ?? jwk.kid
      publicKeys.push({ ...jwk, ...(kid !== undefined && { kid }) })
    })
    let validateBody: BodyValidator | undefined
    if (route.schema !== undefined) {
      try {
        validateBody = compileBodySchema(route.schema)
      } catch (err) {
        problems.push({ key: `routes[${i}].schema`, message: `is not a valid JSON Schema: ${(err as Error).message}` })
      }
    }
    endpoints.push({
      name,
      route: route.name,
      singleUse: jwt.singleUse,
      verifier: {
        algorithms: jwt.algorithms,
        ...(secret !== undefined && { secret }),
        ...(publicKeys.length > 0 && { publicKeys }),
        ...(jwt.jwks !== undefined && {
          jwks: {
            url: new URL(jwt.jwks.url),
            cacheMaxAgeMs: jwt.jwks.cacheMaxAgeSeconds * 1000,
            cooldownMs: jwt.jwks.cooldownSeconds * 1000,
            timeoutMs: jwt.jwks.timeoutMs,
          },
        }),
        ...(jwt.issuer !== undefined && { issuer: jwt.issuer }),
        ...(jwt.audience !== undefined && { audience: jwt.audience }),
        clockToleranceSeconds: jwt.clockToleranceSeconds,
        maxLifetimeSeconds: jwt.maxLifetimeSeconds,
        requiredScopes: jwt.scopes,
      },
      ...(validateBody !== undefined && { validateBody }),
    })
  })
  return endpoints
}

/** The public half of a PEM key (public or private) or a JWK, as a JWK; undefined if it is neither. */
function publicJwkFrom(text: string): JWK | undefined {
  try {
    const trimmed = text.trim()
    const given = trimmed.startsWith('{') ? (JSON.parse(trimmed) as JWK) : undefined
    const key = given === undefined ? createPublicKey(trimmed) : createPublicKey({ key: given as JsonWebKey, format: 'jwk' })
    return { ...(key.export({ format: 'jwk' }) as JWK), ...(given?.kid !== undefined && { kid: given.kid }) }
  } catch {
    return undefined
  }
}

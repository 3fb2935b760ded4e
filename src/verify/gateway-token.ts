import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { createJwtVerifier, type JwtIdentity, type JwtVerifier } from './jwt-bearer.js'
import type { JwtCode } from './jwt-errors.js'
import { joinedHeaderValue, rawHeaderValue, type HeaderValue } from './header-value.js'

export interface VerifyGatewayTokenOptions {
  /** The gateway's key set, `https://<gateway>/.well-known/jwks.json` (cached, refetched on a new kid). */
  readonly jwksUrl: string | URL
  /** The gateway's `tokens.issuer`. */
  readonly issuer: string
  /** This service's audience: the route's `forward.audience`, or the origin of its forward URL. */
  readonly audience: string
  readonly clockToleranceSeconds?: number
}

/**
 * A request as a service received it: a web `Request`, or headers and the raw body. With
 * Node's `IncomingMessage`, pass its `rawHeaders` too: `headers` keeps only the first of two
 * `Authorization` headers, and a repeated one must be refused, not picked from.
 */
export type GatewayTokenInput =
  | Request
  | {
      readonly headers: IncomingHttpHeaders | Headers
      readonly rawHeaders?: readonly string[]
      readonly body: string | Uint8Array
    }

/** What a verified gateway token says about the work it came with. */
export interface GatewayTokenClaims extends JwtIdentity {
  /** The gateway route that forwarded the job. */
  readonly route: string
  /** The job id (`jti`): stable across retries of one job. */
  readonly jobId: string
}

export type GatewayTokenCode = JwtCode | 'body_mismatch'

/** The token did not verify; `code` says why (the same codes as the gateway's own). */
export class GatewayTokenError extends Error {
  override readonly name = 'GatewayTokenError'
  constructor(readonly code: GatewayTokenCode) {
    super(`gateway token rejected: ${code}`)
  }
}

const verifiers = new Map<string, JwtVerifier>()

/**
 * For services that receive slackgate's forwards: verifies the `Authorization: Bearer`
 * token against the gateway's JWKS (EdDSA or RS256), its issuer, this service's audience,
 * its expiry, and that `body_sha256` is the digest of the body received. Resolves with the
 * claims, or rejects with a `GatewayTokenError`.
 *
 * @example
 * const claims = await verifyGatewayToken(request, {
 *   jwksUrl: 'https://slackgate.internal/.well-known/jwks.json',
 *   issuer: 'slackgate',
 *   audience: 'https://payments.internal',
 * })
 */
export async function verifyGatewayToken(input: GatewayTokenInput, options: VerifyGatewayTokenOptions): Promise<GatewayTokenClaims> {
  const url = String(options.jwksUrl)
  const cacheKey = JSON.stringify([url, options.issuer, options.audience, options.clockToleranceSeconds])
  let verify = verifiers.get(cacheKey)
  if (verify === undefined) {
    verify = createJwtVerifier({
      algorithms: ['EdDSA', 'RS256'],
      jwks: { url: new URL(url) },
      issuer: options.issuer,
      audience: options.audience,
      requireJti: true,
      maxLifetimeSeconds: 3600,
      ...(options.clockToleranceSeconds !== undefined && { clockToleranceSeconds: options.clockToleranceSeconds }),
    })
    verifiers.set(cacheKey, verify)
  }

  const { authorization, body } = await read(input)
  const verdict = await verify(authorization)
  if (!verdict.ok) throw new GatewayTokenError(verdict.reason)
  const { claims } = verdict.identity
  if (typeof claims.route !== 'string' || typeof claims.body_sha256 !== 'string') throw new GatewayTokenError('missing_claim')
  const expected = Buffer.from(claims.body_sha256)
  const actual = Buffer.from(createHash('sha256').update(body).digest('base64url'))
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new GatewayTokenError('body_mismatch')
  return { ...verdict.identity, route: claims.route, jobId: claims.jti as string }
}

// A repeated Authorization header is `malformed_token`, as at the gateway's own endpoints:
// fetch's Headers joins repeats with ", " (a bearer token has no comma), rawHeaders lists them.
async function read(input: GatewayTokenInput): Promise<{ authorization: HeaderValue; body: string | Uint8Array }> {
  if (input instanceof Request) {
    return {
      authorization: joinedHeaderValue(input.headers, 'authorization'),
      body: new Uint8Array(await input.clone().arrayBuffer()),
    }
  }
  const { headers, rawHeaders } = input
  const authorization =
    rawHeaders !== undefined
      ? rawHeaderValue(rawHeaders, 'authorization')
      : headers instanceof Headers
        ? joinedHeaderValue(headers, 'authorization')
        : headers.authorization
  return { authorization, body: input.body }
}

import { createHash } from 'node:crypto'
import { SignJWT } from 'jose'
import type { SigningKeys } from '../keys/signing-keys.js'
import type { JobPayload } from './job-payload.js'
import type { ForwardHeaders, ForwardTarget } from './http-forward.js'

export interface GatewayTokenOptions {
  readonly keys: SigningKeys
  /** The `iss` of every token. */
  readonly issuer: string
  /** Lifetime in seconds (default 60). */
  readonly ttlSeconds?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

/** The body digest claim: base64url SHA-256 of the exact bytes forwarded. */
export const BODY_DIGEST_CLAIM = 'body_sha256'

/** The `aud` of a target's tokens: configured, or the origin of its URL. */
export function audienceOf(target: ForwardTarget): string {
  return target.audience ?? new URL(target.url).origin
}

/** The base64url SHA-256 of a forwarded body, as `body_sha256` carries it. */
export function bodyDigest(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url')
}

/**
 * Mints the token attached to every HTTP forward: `Authorization: Bearer <JWT>`, signed with
 * the gateway's current key (its `kid` in the header), carrying `iss`, `aud` (the target's),
 * `sub` (the Slack user, or the calling token's subject), `iat`, `exp`, `jti` (the job id,
 * stable across retries), `team_id`, `enterprise_id`, `channel_id`, `route` and
 * `body_sha256`, so a service can check that the body it got is the one the gateway sent.
 */
export function createGatewayTokenHeaders(options: GatewayTokenOptions): ForwardHeaders {
  const ttl = options.ttlSeconds ?? 60
  const now = options.now ?? Date.now
  return async function gatewayTokenHeaders(job, body, target) {
    const { request } = job.payload as JobPayload
    const subject = request.kind === 'workflow' ? request.identity.subject : request.context.userId
    const { teamId, enterpriseId, channelId } = request.context
    const key = options.keys.signer()
    const iat = Math.floor(now() / 1000)
    const token = await new SignJWT({
      route: job.route,
      [BODY_DIGEST_CLAIM]: bodyDigest(body),
      ...(teamId !== undefined && { team_id: teamId }),
      ...(enterpriseId !== undefined && { enterprise_id: enterpriseId }),
      ...(channelId !== undefined && { channel_id: channelId }),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer)
      .setAudience(audienceOf(target))
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .setJti(job.id)
      .setSubject(subject ?? 'slackgate')
      .sign(key.privateKey)
    return { authorization: `Bearer ${token}` }
  }
}

import { createHash } from 'node:crypto'
import type { RouteConfig } from '../config/schema.js'

/** The part of an ioredis client the claim calls. */
export interface ClaimClient {
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>
}

/** How long a claim outlives the last instance that renewed it. */
export const CLAIM_TTL_MS = 60_000

/**
 * Takes the namespace for a fingerprint, or renews it when it holds that fingerprint already;
 * answers the fingerprint that holds it otherwise. One script: two deployments starting
 * together cannot both take it.
 */
const CLAIM_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return held`

/**
 * What identifies a deployment in a shared namespace: its routes, each by name, match and
 * target. Two gateways with these equal are instances of one deployment and share the queue;
 * with them different, each would run the other's jobs with its own handlers. Handler paths
 * are left out (instances may be installed at different paths), forward URLs are in.
 */
export function deploymentFingerprint(routes: readonly RouteConfig[]): string {
  const shape = routes
    .map((r) => ({ name: r.name, match: r.match, target: r.forward === undefined ? 'handler' : r.forward.url }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)
}

export type ClaimResult = { readonly ok: true } | { readonly ok: false; readonly heldBy: string }

/** Claims (or renews) `namespace` for `fingerprint`, for CLAIM_TTL_MS. */
export async function claimNamespace(client: ClaimClient, namespace: string, fingerprint: string): Promise<ClaimResult> {
  const held = String(await client.eval(CLAIM_SCRIPT, 1, `${namespace}:deployment`, fingerprint, CLAIM_TTL_MS))
  return held === fingerprint ? { ok: true } : { ok: false, heldBy: held }
}

/** The startup error's text: what collides, and the two ways out. */
export function claimRefusal(namespace: string, url: string, fingerprint: string, heldBy: string): string {
  return (
    `another deployment, with other routes (fingerprint ${heldBy}; this one's is ${fingerprint}), uses the namespace "${namespace}" ` +
    `at ${url}: each would run the other's jobs. Give this deployment a namespace of its own (namespace: NAME, or SLACKGATE_NAMESPACE); ` +
    `if it is this deployment with its routes changed, stop its old instances first (their claim lapses ${CLAIM_TTL_MS / 1000} s after the last one stops)`
  )
}

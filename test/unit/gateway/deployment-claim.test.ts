import { describe, expect, it } from 'vitest'
import type { RouteConfig } from '../../../src/config/schema.js'
import { CLAIM_TTL_MS, claimNamespace, deploymentFingerprint } from '../../../src/gateway/deployment-claim.js'
import { redisAvailable, redisClient, uniquePrefix } from '../../helpers/redis.js'

const route = (name: string, over: Partial<RouteConfig> = {}): RouteConfig =>
  ({ name, match: { event: 'app_mention' }, public: true, forward: { url: 'https://svc.internal/hook', timeoutMs: 10_000 }, ...over }) as RouteConfig

describe('deploymentFingerprint', () => {
  it('does not depend on the order of the routes, nor on where a handler module is installed', () => {
    const a = route('a')
    const b = route('b', { forward: undefined, handler: '/srv/app/handlers.ts' } as Partial<RouteConfig>)
    expect(deploymentFingerprint([a, b])).toBe(deploymentFingerprint([{ ...b, handler: '/opt/other/handlers.ts' }, a]))
  })

  it('changes with a route name, a match or a forward URL', () => {
    const base = deploymentFingerprint([route('a')])
    expect(deploymentFingerprint([route('b')])).not.toBe(base)
    expect(deploymentFingerprint([route('a', { match: { command: '/deploy' } } as Partial<RouteConfig>)])).not.toBe(base)
    expect(deploymentFingerprint([route('a', { forward: { url: 'https://other.internal/', timeoutMs: 10_000 } })])).not.toBe(base)
  })
})

describe.skipIf(!redisAvailable)('claimNamespace', () => {
  it('of deployments claiming one namespace at once, one holds it; its own instances renew it', async () => {
    const client = redisClient()
    const namespace = uniquePrefix().slice(0, -1)
    const results = await Promise.all(['fp-one', 'fp-two', 'fp-one', 'fp-two'].map((fp) => claimNamespace(client, namespace, fp)))
    const winner = results[0]?.ok === true ? 'fp-one' : 'fp-two'
    const loser = winner === 'fp-one' ? 'fp-two' : 'fp-one'
    expect(results.filter((r) => r.ok)).toHaveLength(2)
    expect(results.filter((r) => !r.ok)).toEqual([
      { ok: false, heldBy: winner },
      { ok: false, heldBy: winner },
    ])
    expect(await claimNamespace(client, namespace, winner)).toEqual({ ok: true })
    expect(await claimNamespace(client, namespace, loser)).toEqual({ ok: false, heldBy: winner })
    const ttl = await client.pttl(`${namespace}:deployment`)
    expect(ttl).toBeGreaterThan(CLAIM_TTL_MS - 5000)
    expect(ttl).toBeLessThanOrEqual(CLAIM_TTL_MS)
    await client.del(`${namespace}:deployment`)
    client.disconnect()
  })
})

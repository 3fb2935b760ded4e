import type { ClaimResult, NonceStore } from './nonce-store.js'

/** The part of an ioredis client this adapter calls; the caller owns the connection. */
export interface RedisNonceClient {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<'OK' | null>
  del(key: string): Promise<number>
  ping(): Promise<string>
}

export interface RedisNonceStoreOptions {
  /** Prefix of every key (default `slackgate:nonce:`), to share a Redis safely. */
  readonly prefix?: string
}

/**
 * NonceStore for several gateway instances: `SET key 1 NX EX ttl` is atomic in Redis, so of
 * concurrent claims on any instance exactly one succeeds. Expiry is Redis's own.
 */
export function createRedisNonceStore(client: RedisNonceClient, options: RedisNonceStoreOptions = {}): NonceStore {
  const prefix = options.prefix ?? 'slackgate:nonce:'
  return {
    async claim(key, ttlSeconds): Promise<ClaimResult> {
      const reply = await client.set(prefix + key, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')
      return reply === 'OK' ? 'first' : 'duplicate'
    },
    async release(key) {
      await client.del(prefix + key)
    },
    async ping() {
      await client.ping()
    },
    async close() {},
  }
}

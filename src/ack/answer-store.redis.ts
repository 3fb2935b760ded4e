import { z } from 'zod'
import { orUnavailable, type AnswerStore, type StoredAnswer } from './answer-store.js'

/** The part of an ioredis client this adapter calls; the caller owns the connection. */
export interface RedisAnswerClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>
  get(key: string): Promise<string | null>
  ping(): Promise<string>
}

export interface RedisAnswerStoreOptions {
  /** Prefix of every key (default `slackgate:ack:`), to share a Redis safely. */
  readonly prefix?: string
}

const storedAnswer = z.object({ status: z.number().int().min(100).max(599), body: z.string() })

/**
 * AnswerStore for several gateway instances: `SET key answer PX ttl NX` is atomic in Redis,
 * so of concurrent puts on any instance exactly one keeps its answer, and a duplicate sent
 * to another instance gets it. Expiry is Redis's own. Give it a client that fails fast while
 * disconnected (as gateway/open-stores.ts builds them): a down Redis must be a 503 now,
 * not an ack held past Slack's 3 seconds.
 *
 * @example
 * const answers = createRedisAnswerStore(redis, { prefix: `${namespace}:ack:` })
 */
export function createRedisAnswerStore(client: RedisAnswerClient, options: RedisAnswerStoreOptions = {}): AnswerStore {
  const prefix = options.prefix ?? 'slackgate:ack:'
  return {
    async put(key, answer, ttlSeconds) {
      const value = JSON.stringify({ status: answer.status, body: answer.body })
      const reply = await orUnavailable(() => client.set(prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlSeconds * 1000)), 'NX'))
      return reply === 'OK'
    },
    async get(key) {
      const value = await orUnavailable(() => client.get(prefix + key))
      return value === null ? undefined : parse(value)
    },
    async ping() {
      await orUnavailable(() => client.ping())
    },
    async close() {},
  }
}

/**
 * A value this adapter did not write (another program sharing the prefix, a format of a
 * later version) is no answer: the duplicate is then treated as one with none kept.
 */
function parse(value: string): StoredAnswer | undefined {
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch {
    return undefined
  }
  const result = storedAnswer.safeParse(json)
  return result.success ? result.data : undefined
}

import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { inject } from 'vitest'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Whether the Redis suites run (see test/global-setup.ts). */
export const redisAvailable: boolean = inject('redis')

/** Whether a redis-server binary can be started by a test (see test/global-setup.ts). */
export const redisServerAvailable: boolean = inject('redisServer')

/** A client for tests; fails fast instead of queueing commands while disconnected. */
export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false })
}

/** A prefix unique to one test, so suites running in parallel never share keys. */
export function uniquePrefix(): string {
  return `slackgate-test:${randomUUID()}:`
}

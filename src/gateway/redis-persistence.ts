import type { Redis } from 'ioredis'
import type { ConfigFile } from '../config/schema.js'

/** How the gateway takes the queue's Redis persistence (`queue.redisPersistence`). */
export type RedisPersistenceMode = ConfigFile['queue']['redisPersistence']

/** What a Redis said of its persistence, or why it said nothing. */
export type RedisPersistence =
  | { readonly readable: true; readonly appendonly: string; readonly appendfsync: string }
  | { readonly readable: false; readonly error: string }

/** A verdict on a Redis as the durable queue behind an ack. */
export type PersistenceVerdict =
  | { readonly ok: true; readonly note?: string }
  | { readonly ok: false; readonly problem: string }

/**
 * Reads a Redis's append-only settings (`CONFIG GET`). A Redis that refuses CONFIG (a managed
 * service, or an ACL without it) is `readable: false`, not an error: the mode decides.
 */
export async function readRedisPersistence(client: Redis): Promise<RedisPersistence> {
  try {
    const [appendonly, appendfsync] = await Promise.all([client.config('GET', 'appendonly'), client.config('GET', 'appendfsync')])
    return { readable: true, appendonly: valueOf(appendonly), appendfsync: valueOf(appendfsync) }
  } catch (err) {
    return { readable: false, error: err instanceof Error ? err.message.split('\n')[0] ?? err.name : 'refused' }
  }
}

/**
 * Whether jobs acked with a 200 survive a restart of this Redis. Pure: the mode `check` asks
 * for `appendonly yes`; `trusted` takes the operator's word (a provider that persists and
 * refuses CONFIG); `volatile` accepts that acked jobs die with Redis (tests, development).
 *
 * @example
 * persistenceVerdict('check', { readable: true, appendonly: 'no', appendfsync: 'everysec' }) // { ok: false, problem: '…' }
 */
export function persistenceVerdict(mode: RedisPersistenceMode, read: RedisPersistence, where: string): PersistenceVerdict {
  if (mode === 'volatile') return { ok: true, note: `queue.redisPersistence is volatile: jobs acked to Slack are lost if ${where} restarts` }
  if (mode === 'trusted') return { ok: true }
  const fix =
    'turn on appendonly yes (appendfsync always loses nothing acked; everysec up to a second of it on a power loss), or say queue.redisPersistence: trusted if your provider persists it, or volatile to accept the loss'
  if (!read.readable) return { ok: false, problem: `${where} did not say how it persists (CONFIG GET: ${read.error}): ${fix}` }
  if (read.appendonly !== 'yes') return { ok: false, problem: `${where} keeps jobs only in memory (appendonly ${read.appendonly}): a restart loses every job acked to Slack; ${fix}` }
  if (read.appendfsync === 'always') return { ok: true }
  const window = read.appendfsync === 'everysec' ? 'up to a second of acked jobs' : 'what the OS has not written yet (about 30 s) of acked jobs'
  return { ok: true, note: `${where} syncs its append-only file with appendfsync ${read.appendfsync}: a power loss can lose ${window}; appendfsync always loses none` }
}

// CONFIG GET answers [name, value]; a setting it does not know answers [].
function valueOf(answer: unknown): string {
  return Array.isArray(answer) && typeof answer[1] === 'string' ? answer[1] : 'unknown'
}

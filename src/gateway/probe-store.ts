import type { Redis } from 'ioredis'
import type { AuditLog } from '../audit/audit-log.js'
import type { StorePort, StoreProbe } from './open-stores.js'
import { classifyStoreFailure, displayStoreUrl, type StoreFailure } from './store-problem.js'

/**
 * Waits for a Redis client to be ready. It gives up at the first refusal that marks a
 * misconfiguration (ioredis would retry it for ever), and also after `ready`, when the
 * handshake was refused in part: a SELECT of a database the server lacks is reported, then
 * the connection goes on, ready, in database 0.
 */
export function probeRedis(port: StorePort, url: string, client: Redis, errors: readonly unknown[], timeoutMs: number): Promise<StoreProbe> {
  const shown = displayStoreUrl(url)
  const misconfigured = () => errors.map((err) => classifyStoreFailure('redis', err, url)).find((f) => f.kind === 'misconfigured')
  return new Promise((resolve) => {
    const finish = (failure: StoreFailure | undefined) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('error', onError)
      resolve({ port, url: shown, ...(failure !== undefined && { failure }) })
    }
    const onReady = () => finish(misconfigured())
    const onError = () => {
      const failure = misconfigured()
      if (failure !== undefined) finish(failure)
    }
    const timer = setTimeout(() => finish(misconfigured() ?? { kind: 'unreachable' }), timeoutMs)
    client.on('ready', onReady)
    client.on('error', onError)
    if (client.status === 'ready' || misconfigured() !== undefined) onReady()
  })
}

/** Asks the PostgreSQL audit log to answer (connect, and create its table if it is missing). */
export async function probePostgres(url: string, audit: AuditLog, timeoutMs: number): Promise<StoreProbe> {
  const shown = displayStoreUrl(url)
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<StoreFailure>((resolve) => (timer = setTimeout(() => resolve({ kind: 'unreachable' }), timeoutMs)))
  const answer = audit.ping().then(
    () => undefined,
    (err: unknown) => classifyStoreFailure('postgres', err, url),
  )
  const failure = await Promise.race([answer, deadline])
  clearTimeout(timer)
  return { port: 'audit', url: shown, ...(failure !== undefined && { failure }) }
}

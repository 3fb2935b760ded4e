import type { Logger } from 'pino'
import { ConfigError, type ConfigProblem } from '../config/errors.js'
import type { GatewayConfig } from '../config/load.js'
import { CLAIM_TTL_MS, claimNamespace, claimRefusal, deploymentFingerprint } from './deployment-claim.js'
import type { StoreProbe, Stores } from './open-stores.js'
import { displayStoreUrl } from './store-problem.js'
import { persistenceVerdict, readRedisPersistence, type PersistenceVerdict } from './redis-persistence.js'
import type { Redis } from 'ioredis'

/**
 * This deployment's hold on its namespace, renewed while it runs. Until every Redis it uses
 * has granted the claim (one that did not answer at start is claimed once it answers), and
 * whenever another deployment holds it, `held()` is false: the gateway then neither queues
 * nor delivers (namespace-guard.ts), since either would mix its jobs with another's.
 */
export interface NamespaceClaim {
  held(): boolean
  /** Called with the new state each time `held()` changes. */
  onChange(listener: (held: boolean) => void): void
  stop(): void
}

/** How soon a claim not (yet) held is tried again: a Redis back from an outage is claimed within this. */
const RETRY_UNHELD_MS = 1000

/**
 * The startup checks of the network stores. One that refused (no such database, a failed
 * login, the wrong protocol) is a configuration error naming the key and the fix: the
 * gateway does not start. One that did not answer is a warning: the gateway starts and
 * answers 503 until it does. Then the deployment claims its namespace on each Redis that
 * answered (refusing to start if another deployment holds it), and renews the claim while
 * it runs; a Redis that answers only later is claimed as soon as it does, and until then
 * the claim is not held.
 */
export async function checkStores(
  stores: Stores,
  config: GatewayConfig,
  logger: Logger,
  timeoutMs: number,
  /** How often a held claim is renewed; a third of its lifetime unless a test says otherwise. */
  renewMs = CLAIM_TTL_MS / 3,
): Promise<NamespaceClaim | undefined> {
  const probes = await stores.probe(timeoutMs)
  refuseMisconfigured(probes)
  for (const { port, url } of probes.filter((p) => p.failure?.kind === 'unreachable')) {
    logger.warn({ store: port, url }, 'a store did not answer at startup: serving 503 until it does')
  }
  if (stores.redis.size === 0) return undefined

  const fingerprint = deploymentFingerprint(config.routes)
  const { namespace } = config
  const holds = new Map<string, boolean>()
  const persistence = persistenceGate(config, logger)
  for (const [url, client] of stores.redis) {
    // A Redis that answers is asked how it persists before anything is queued in it.
    const reachable = await client.ping().then(() => true, () => false)
    if (reachable) {
      const verdict = await persistence.check(url, client)
      if (!verdict.ok) throw new ConfigError('invalid_config', [{ key: 'queue.redisPersistence', message: verdict.problem }])
    }
    const result = reachable ? await claimNamespace(client, namespace, fingerprint).catch(() => undefined) : undefined
    if (result?.ok === false) {
      throw new ConfigError('invalid_config', [{ key: 'namespace', message: claimRefusal(namespace, displayStoreUrl(url), fingerprint, result.heldBy) }])
    }
    holds.set(url, result?.ok === true)
  }
  const allHeld = () => [...holds.values()].every(Boolean)
  let held = allHeld()
  const listeners: Array<(held: boolean) => void> = []
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const renew = async () => {
    await Promise.all(
      [...stores.redis].map(async ([url, client]) => {
        try {
          // A Redis that did not answer at start is claimed only once it says it persists.
          if (!(await persistence.passed(url, client))) return void holds.set(url, false)
          const result = await claimNamespace(client, namespace, fingerprint)
          if (!result.ok && holds.get(url) !== false) {
            logger.error({ namespace, url: displayStoreUrl(url), heldBy: result.heldBy, fingerprint }, 'another deployment holds this namespace: not queueing or delivering')
          }
          holds.set(url, result.ok)
        } catch {
          // Redis is down: readiness reports it. The claim may lapse meanwhile, so it is not
          // counted as held until a renewal succeeds.
          holds.set(url, false)
        }
      }),
    )
    if (stopped) return
    const now = allHeld()
    if (now !== held) {
      held = now
      if (now) logger.info({ namespace }, 'namespace claimed')
      for (const listener of listeners) listener(now)
    }
    schedule()
  }
  const schedule = () => {
    timer = setTimeout(() => void renew(), held ? renewMs : Math.min(renewMs, RETRY_UNHELD_MS))
    timer.unref()
  }
  schedule()
  return {
    held: () => held,
    onChange: (listener) => void listeners.push(listener),
    stop: () => {
      stopped = true
      clearTimeout(timer)
    },
  }
}

/**
 * The persistence check of the queue's Redis (redis-persistence.ts): `check` gives the
 * verdict (logging its note); `passed` is for a Redis that did not answer at start, checked
 * once it answers and again until it passes (an operator may turn appendonly on meanwhile),
 * its refusal logged once.
 */
function persistenceGate(config: GatewayConfig, logger: Logger) {
  const queueUrl = config.queue.store.kind === 'redis' ? config.queue.store.url : undefined
  const mode = config.queue.redisPersistence
  const passedUrls = new Set<string>()
  const refusedUrls = new Set<string>()
  async function check(url: string, client: Redis): Promise<PersistenceVerdict> {
    if (url !== queueUrl) return { ok: true }
    const where = `the queue's Redis (${displayStoreUrl(url)})`
    const read = mode === 'check' ? await readRedisPersistence(client) : { readable: false as const, error: 'not asked' }
    const verdict = persistenceVerdict(mode, read, where)
    if (verdict.ok) {
      passedUrls.add(url)
      if (verdict.note !== undefined) logger.warn({ store: 'queue', mode }, verdict.note)
    }
    return verdict
  }
  return {
    check,
    async passed(url: string, client: Redis): Promise<boolean> {
      if (passedUrls.has(url) || url !== queueUrl) return true
      if (!(await client.ping().then(() => true, () => false))) return false
      const verdict = await check(url, client)
      if (!verdict.ok && !refusedUrls.has(url)) {
        refusedUrls.add(url)
        logger.error({ store: 'queue', reason: 'queue_unavailable' }, `not queueing: ${verdict.problem}`)
      }
      return verdict.ok
    },
  }
}

/**
 * For a command that opens the stores to use them once (the CLI): a store that refused is a
 * configuration error, one that did not answer an error, each naming its key. Nothing is
 * read from, or re-driven in, a database the URL did not mean.
 */
export async function requireStores(stores: Stores, timeoutMs: number): Promise<void> {
  const probes = await stores.probe(timeoutMs)
  refuseMisconfigured(probes)
  const silent = probes.filter((p) => p.failure?.kind === 'unreachable')
  if (silent.length > 0) throw new Error(silent.map(({ port, url }) => `${port}.store: no answer from ${url} (is it running?)`).join('\n'))
}

function refuseMisconfigured(probes: readonly StoreProbe[]): void {
  const problems: ConfigProblem[] = []
  for (const { port, url, failure } of probes) {
    if (failure?.kind === 'misconfigured') problems.push({ key: `${port}.store`, message: `${failure.problem} at ${url}: ${failure.fix}` })
  }
  if (problems.length > 0) throw new ConfigError('invalid_config', problems)
}

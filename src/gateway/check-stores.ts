import type { Logger } from 'pino'
import { ConfigError, type ConfigProblem } from '../config/errors.js'
import type { GatewayConfig } from '../config/load.js'
import { CLAIM_TTL_MS, claimNamespace, claimRefusal, deploymentFingerprint } from './deployment-claim.js'
import type { StoreProbe, Stores } from './open-stores.js'
import { displayStoreUrl } from './store-problem.js'

/** The running renewal of this deployment's namespace claim. */
export interface NamespaceClaim {
  stop(): void
}

/**
 * The startup checks of the network stores. One that refused (no such database, a failed
 * login, the wrong protocol) is a configuration error naming the key and the fix: the
 * gateway does not start. One that did not answer is a warning: the gateway starts and
 * answers 503 until it does. Then the deployment claims its namespace on each Redis that
 * answered (refusing to start if another deployment holds it), and renews the claim while
 * it runs; a Redis that answers only later is claimed by the first renewal.
 */
export async function checkStores(stores: Stores, config: GatewayConfig, logger: Logger, timeoutMs: number): Promise<NamespaceClaim | undefined> {
  const probes = await stores.probe(timeoutMs)
  refuseMisconfigured(probes)
  for (const { port, url } of probes.filter((p) => p.failure?.kind === 'unreachable')) {
    logger.warn({ store: port, url }, 'a store did not answer at startup: serving 503 until it does')
  }
  if (stores.redis.size === 0) return undefined

  const fingerprint = deploymentFingerprint(config.routes)
  const { namespace } = config
  for (const [url, client] of stores.redis) {
    const result = await claimNamespace(client, namespace, fingerprint).catch(() => undefined)
    if (result?.ok === false) {
      throw new ConfigError('invalid_config', [{ key: 'namespace', message: claimRefusal(namespace, displayStoreUrl(url), fingerprint, result.heldBy) }])
    }
  }
  const renew = () => {
    for (const [url, client] of stores.redis) {
      claimNamespace(client, namespace, fingerprint).then(
        (result) => {
          if (!result.ok) logger.error({ namespace, url: displayStoreUrl(url), heldBy: result.heldBy, fingerprint }, 'another deployment took this namespace')
        },
        // Redis is down: readiness reports it; the next renewal tries again.
        () => undefined,
      )
    }
  }
  const timer = setInterval(renew, CLAIM_TTL_MS / 3)
  timer.unref()
  return { stop: () => clearInterval(timer) }
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

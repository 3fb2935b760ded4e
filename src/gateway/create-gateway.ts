import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { GatewayConfig } from '../config/load.js'
import { createAdmission, createKeyClaims } from '../dispatch/admit.js'
import { createAckPlanner } from '../ack/ack-plan.js'
import { ackContext } from '../ack/ack-context.js'
import { join } from 'node:path'
import { createDeliverer } from '../dispatch/deliverer.js'
import { createGatewayTokenHeaders } from '../dispatch/gateway-token.js'
import { createHttpForwarder, type ForwardHeaders } from '../dispatch/http-forward.js'
import type { JobConsumer, JobHandler } from '../dispatch/job-queue.js'
import type { JobPayload } from '../dispatch/job-payload.js'
import { loadHandlerRegistries } from '../dispatch/load-handlers.js'
import { createRouter } from '../dispatch/router.js'
import { buildApp, DEFAULT_READINESS_TIMEOUT_MS } from '../http/app.js'
import { KEY_FILE } from '../keys/key-file.js'
import { openSigningKeys, type SigningKeys } from '../keys/signing-keys.js'
import { VERSION } from '../http/version.js'
import { respondTo } from '../dispatch/respond.js'
import { createAuthorizer } from '../policy/authorize.js'
import type { Directory } from '../policy/directory.js'
import { openDirectory } from '../policy/open-directory.js'
import { deliveryRecord } from '../audit/records.js'
import { knownSecretScrubber, scrubSecrets } from '../redact/redact-secrets.js'
import { heldSecrets } from './held-secrets.js'
import type { RouteConfig } from '../config/schema.js'
import { openStores, type Stores } from './open-stores.js'
import { checkStores, type NamespaceClaim } from './check-stores.js'
import { guardQueue, NamespaceNotHeldError } from './namespace-guard.js'
import { exposedDirectoryMode } from '../storage/private-files.js'
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { Vault } from '../vault/vault.js'
import { openVault } from '../vault/open-vault.js'
import { openSlackAccess } from '../slack-api/open-slack-access.js'
import { createTokenLifecycle } from '../slack-api/token-lifecycle.js'
import { createStepTokens, type StepTokens } from '../functions/step-token.js'
import { stepTokenKey } from '../functions/step-token-key.js'
import { compileStepSchemas, createStepIngress } from '../functions/step-ingress.js'
import { createStepCompleter } from '../functions/complete-step.js'
import { createStepFinisher } from '../functions/finish-step.js'
import { buildConsoleApp, consolePlugin, type ConsolePluginOptions } from '../admin/console-plugin.js'

export interface GatewayOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Epoch seconds; injectable for tests. */
  readonly clock?: () => number
  /** Used for forwards and `respond()`; injectable for tests. */
  readonly fetch?: typeof fetch
  /** Replaces the gateway's own token on forwards; for tests of the forwarder only. */
  readonly forwardHeaders?: ForwardHeaders
  readonly readinessTimeoutMs?: number
  /** How long startup waits for the network stores to answer (default 5 s). */
  readonly storeTimeoutMs?: number
  /** How often the namespace claim on a shared Redis is renewed (default 20 s); for tests. */
  readonly namespaceRenewMs?: number
  /** Replaces the token vault the gateway opens from `vault` in its config; for tests. */
  readonly vault?: Vault
}

export interface Gateway {
  readonly app: FastifyInstance
  readonly stores: Stores
  /**
   * The token vault: `find()` is the installation for a request (its workspace's, its
   * organisation's org-wide one, else `slack.botToken`'s, key `config`). See docs/vault.md.
   */
  readonly vault: Vault
  /** The keys the gateway signs its forwarded tokens with. */
  readonly signingKeys: SigningKeys
  /** What `GET /metrics` serves. */
  readonly metrics: GatewayMetrics
  /** The admin console's own app when `admin.listen` is set (the caller listens on it); else it is at /admin on `app`, or absent. */
  readonly consoleApp?: FastifyInstance
  /** Starts delivering queued jobs in this process. */
  startWorkers(): void
  /** Stops taking requests, lets deliveries in flight finish, closes the stores. */
  close(): Promise<void>
}

/**
 * Assembles a gateway from its configuration: stores, routes, handler modules, the HTTP app
 * and the delivery workers. Everything is built here, once; a request then runs a fixed path.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options
  const stores = openStores({
    replay: config.replay.store,
    queue: config.queue.store,
    audit: config.audit.store,
    ...(options.vault === undefined && { installations: config.vault.store }),
    exclusive: true,
    namespace: config.namespace,
    maxReplayKeys: config.replay.maxKeys,
    maxBacklog: config.queue.maxBacklog,
  })
  const exposed = exposedDirectoryMode(config.dataDir)
  if (exposed !== undefined) {
    // It holds the signing keys and the embedded database: queued payloads and the audit log.
    logger.warn({ dataDir: config.dataDir, mode: exposed.toString(8), fix: `chmod 700 ${config.dataDir}` }, 'the data directory is readable by others')
  }
  let signingKeys: SigningKeys | undefined
  let directory: Directory | undefined
  let claim: NamespaceClaim | undefined
  try {
    const { tokens } = config
    const clockMs = options.clock === undefined ? Date.now : () => (options.clock as () => number)() * 1000
    signingKeys = await openSigningKeys(
      tokens.suppliedKeys === undefined
        ? { kind: 'file', path: join(config.dataDir, KEY_FILE), algorithm: tokens.algorithm }
        : { kind: 'supplied', algorithm: tokens.algorithm, keys: tokens.suppliedKeys.map((k) => ({ text: k.read(), ...(k.kid !== undefined && { kid: k.kid }) })) },
      { now: clockMs },
    )
    const keys = signingKeys
    claim = await checkStores(stores, config, logger, options.storeTimeoutMs ?? 5000, options.namespaceRenewMs)
    const held = claim
    // A wrong or missing master key stops the start here (vault_key_mismatch, vault_key_missing).
    const opened =
      options.vault === undefined
        ? await openVault({
            config: config.vault,
            dataDir: config.dataDir,
            store: stores.installations as NonNullable<Stores['installations']>,
            ...(config.slack.botToken !== undefined && { botToken: config.slack.botToken }),
          })
        : undefined
    const vault: Vault = options.vault ?? (opened as Vault)
    // Asked only when in use: with no vault configured and nothing stored, there is nothing to wait on.
    const vaultReadiness = opened?.active === false ? [] : [{ name: 'vault', check: () => vault.ping() }]
    // On a shared Redis, work is queued and taken only while this deployment holds its namespace.
    const queue = held === undefined ? stores.queue : guardQueue(stores.queue, held)
    const readiness =
      held === undefined
        ? [...stores.readiness, ...vaultReadiness]
        : [...stores.readiness, ...vaultReadiness, { name: 'namespace', check: () => (held.held() ? Promise.resolve() : Promise.reject(new NamespaceNotHeldError())) }]
    // Every handler route's module loads and registers the route's match, or the start fails.
    const registries = await loadHandlerRegistries(config.routes)
    directory = openDirectory(config.directory, {
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      logger: logger.child({ component: 'directory' }),
    })
    const doFetch = options.fetch ?? fetch
    const stepTokens = openStepTokens(config)
    const admit = createAdmission({
      nonces: stores.nonces,
      queue,
      router: createRouter(config.routes),
      ttlSeconds: config.replay.ttlSeconds,
    })
    const replayKeys = stores.nonces.keyCount
    const metrics = createGatewayMetrics({ queueCounts: () => stores.queue.counts(), now: clockMs, ...(replayKeys !== undefined && { replayKeys }) })
    // Handlers' client, say() and installations; expiring tokens refreshed on use and by a sweep.
    const slack = openSlackAccess({ config, vault, audit: stores.audit, logger, ...(options.fetch !== undefined && { fetch: options.fetch }) })
    const app = await buildApp({
      config,
      logger,
      acks: {
        plan: createAckPlanner(config.routes, registries),
        answers: stores.answers,
        claims: createKeyClaims(stores.nonces),
        // Fastify's request logger is the pino child logger it was built from.
        context: (request, log, signal) => ackContext(slack.access, request, log as unknown as Logger, signal),
        ttlSeconds: config.replay.ttlSeconds,
      },
      authorize: createAuthorizer({ routes: config.routes, ...(directory !== undefined && { directory }), adminContact: config.policy.adminContact }),
      admit,
      respond: (url, message) => respondTo(url, message, doFetch),
      audit: stores.audit,
      readiness,
      jwks: () => keys.jwks(),
      metrics,
      auditHead: () => stores.audit.head(),
      lastDeliveryAt: () => metrics.lastDeliveryAt,
      ...(config.install !== undefined && { install: { vault, nonces: stores.nonces, fetch: doFetch } }),
      lifecycle: createTokenLifecycle({ vault, nonces: stores.nonces, audit: stores.audit, ttlSeconds: config.replay.ttlSeconds }),
      ...(stepTokens !== undefined && { steps: createStepIngress(config.routes, stepTokens) }),
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.readinessTimeoutMs !== undefined && { readinessTimeoutMs: options.readinessTimeoutMs }),
    })
    // The admin console (docs/admin-console.md): on its own listener, or at /admin beside Slack's routes.
    // Its Live page runs /readyz's checks with /readyz's timeout (http/app.ts defaults it to 2 s).
    const admin: ConsolePluginOptions | undefined =
      config.admin === undefined
        ? undefined
        : {
            admin: config.admin,
            audit: stores.audit,
            queue,
            routes: config.routes.map((r) => r.name),
            now: clockMs,
            config,
            metrics: () => metrics.render(),
            readiness,
            readinessTimeoutMs: options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
            vault,
            signingKeys: keys,
          }
    if (admin !== undefined && config.admin?.listen === undefined) await app.register(consolePlugin, { ...admin, prefix: '/admin' })
    const consoleApp = admin !== undefined && config.admin?.listen !== undefined ? await buildConsoleApp(admin, logger) : undefined
    const delivery = createDeliverer({
      routes: config.routes,
      registries,
      slack: slack.access,
      ...(stepTokens !== undefined && { stepTokens }),
      forward: createHttpForwarder({
        userAgent: `slackgate/${VERSION}`,
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        headers: options.forwardHeaders ?? createGatewayTokenHeaders({ keys, issuer: tokens.issuer, ttlSeconds: tokens.ttlSeconds, now: clockMs }),
      }),
      logger,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    })
    // The gateway finishes every custom step its jobs carry (functions/finish-step.ts).
    const stepLog = logger.child({ component: 'steps' })
    const deliver: JobHandler =
      stepTokens === undefined
        ? delivery
        : createStepFinisher(
            {
              routes: config.routes,
              tokens: stepTokens,
              complete: createStepCompleter({
                apiUrl: config.slack.apiUrl,
                timeoutMs: config.slack.webApi.timeoutMs,
                onRetry: (retry) => stepLog.warn(retry, 'step completion failed for now: sending it again'),
                ...(options.fetch !== undefined && { fetch: options.fetch }),
              }),
              audit: stores.audit,
              logger,
              observe: (route, verdict) => metrics.observeStep(route, verdict),
              outputs: compileStepSchemas(config.routes, 'outputs'),
            },
            delivery,
          )
    const workerLog = logger.child({ component: 'delivery' })
    const targets = new Map(config.routes.map((r) => [r.name, deliveryTarget(r)]))
    // A delivery error is kept (queue, audit log) and logged: never with a secret the gateway holds.
    const scrubHeld = knownSecretScrubber(heldSecrets(config))
    const deliverAndLog: typeof deliver = async (job) => {
      const started = performance.now()
      const delivered = await deliver(job)
      const outcome = delivered.ok ? delivered : { ...delivered, error: scrubHeld(delivered.error) }
      // receivedAt is the wall clock of the ingress (slack-routes), so end-to-end is too; a
      // negative span (a clock stepped back, or a pinned test clock) is not observed.
      const receivedAt = (job.payload as JobPayload).receivedAt
      metrics.observeDelivery({
        route: job.route,
        outcome: outcome.ok ? 'delivered' : outcome.permanent || job.attempt >= job.maxAttempts ? 'dead' : 'retrying',
        seconds: (performance.now() - started) / 1000,
        ...(outcome.ok && typeof receivedAt === 'number' && { endToEndSeconds: (Date.now() - receivedAt) / 1000 }),
      })
      const fields = { jobId: job.id, slackRoute: job.route, attempt: job.attempt, maxAttempts: job.maxAttempts }
      // A delivery is in the audit log and the metrics: a log line of its own per request, on
      // the path that shares the core with the ack, is kept for debugging. Failures are logged.
      if (outcome.ok) workerLog.debug(fields, 'delivered')
      else workerLog.warn({ ...fields, permanent: outcome.permanent, error: scrubSecrets(outcome.error) }, 'delivery failed')
      // Queued before the attempt is settled, so in the embedded file the record commits no
      // later than the settlement; not awaited, so the delivery slot is free at once. The work
      // has run: a record that cannot be written is reported, not retried (that would run
      // the job twice).
      stores.audit.append(deliveryRecord(job, targets.get(job.route), outcome, Date.now())).catch((err: unknown) => {
        workerLog.error({ err, jobId: job.id, reason: 'audit_unavailable' }, 'delivery not recorded in the audit log')
      })
      return outcome
    }

    let consumer: JobConsumer | undefined
    return {
      app,
      stores,
      vault,
      signingKeys: keys,
      metrics,
      ...(consoleApp !== undefined && { consoleApp }),
      startWorkers() {
        consumer ??= queue.consume(deliverAndLog, {
          concurrency: config.queue.concurrency,
          onError: (err) => workerLog.error({ err }, 'queue unavailable'),
        })
        slack.startSweep()
      },
      async close() {
        claim?.stop()
        await consoleApp?.close()
        await app.close()
        await consumer?.stop()
        await slack.stop()
        await stores.close()
        keys.close()
        directory?.close()
      },
    }
  } catch (err) {
    claim?.stop()
    signingKeys?.close()
    directory?.close()
    await stores.close()
    throw err
  }
}

/**
 * The key custom steps' tokens are sealed under: derived from `vault.masterKey`, else (one
 * process on the embedded queue) a key file in the data directory. A shared queue without
 * `vault.masterKey` has none (the config refuses function routes there): interactions'
 * step tokens are then dropped, since another instance could not open them.
 */
function openStepTokens(config: GatewayConfig): StepTokens | undefined {
  const masterKey = config.vault.masterKey
  if (masterKey === undefined && config.queue.store.kind === 'redis') return undefined
  return createStepTokens(stepTokenKey({ dataDir: config.dataDir, ...(masterKey !== undefined && { masterKey }) }))
}

/** Where a route delivers, for the audit log: its handler, or the forward URL without query. */
function deliveryTarget(route: RouteConfig): string {
  if (route.forward === undefined) return `handler:${route.name}`
  const url = new URL(route.forward.url)
  return `${url.origin}${url.pathname}`
}

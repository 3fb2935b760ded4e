import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { GatewayConfig } from '../config/load.js'
import { createAdmission } from '../dispatch/admit.js'
import { createDeliverer } from '../dispatch/deliverer.js'
import { buildRegistry, type HandlerRegistry } from '../dispatch/handler-registry.js'
import { createHttpForwarder, type ForwardHeaders } from '../dispatch/http-forward.js'
import type { JobConsumer } from '../dispatch/job-queue.js'
import { loadHandlerModule } from '../dispatch/load-handler-module.js'
import { createRouter } from '../dispatch/router.js'
import { buildApp } from '../http/app.js'
import { VERSION } from '../http/version.js'
import { openStores, type Stores } from './open-stores.js'

export interface GatewayOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Epoch seconds; injectable for tests. */
  readonly clock?: () => number
  /** Used for forwards and `respond()`; injectable for tests. */
  readonly fetch?: typeof fetch
  readonly forwardHeaders?: ForwardHeaders
  readonly readinessTimeoutMs?: number
}

export interface Gateway {
  readonly app: FastifyInstance
  readonly stores: Stores
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
  const stores = openStores({ replay: config.replay.store, queue: config.queue.store, exclusive: true })
  try {
    if (!(await stores.connected(5000))) logger.warn('a store did not answer at startup: serving 503 until it does')
    const registries = new Map<string, HandlerRegistry>()
    for (const route of config.routes) {
      if (route.handler !== undefined && !registries.has(route.handler)) {
        registries.set(route.handler, buildRegistry(await loadHandlerModule(route.handler), route.handler))
      }
    }
    const admit = createAdmission({
      nonces: stores.nonces,
      queue: stores.queue,
      router: createRouter(config.routes),
      ttlSeconds: config.replay.ttlSeconds,
    })
    const app = await buildApp({
      config,
      logger,
      admit,
      readiness: stores.readiness,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.readinessTimeoutMs !== undefined && { readinessTimeoutMs: options.readinessTimeoutMs }),
    })
    const deliver = createDeliverer({
      routes: config.routes,
      registries,
      forward: createHttpForwarder({
        userAgent: `slackgate/${VERSION}`,
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        ...(options.forwardHeaders !== undefined && { headers: options.forwardHeaders }),
      }),
      logger,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    })
    const workerLog = logger.child({ component: 'delivery' })
    const deliverAndLog: typeof deliver = async (job) => {
      const outcome = await deliver(job)
      const fields = { jobId: job.id, slackRoute: job.route, attempt: job.attempt, maxAttempts: job.maxAttempts }
      if (outcome.ok) workerLog.info(fields, 'delivered')
      else workerLog.warn({ ...fields, permanent: outcome.permanent, error: outcome.error }, 'delivery failed')
      return outcome
    }

    let consumer: JobConsumer | undefined
    return {
      app,
      stores,
      startWorkers() {
        consumer ??= stores.queue.consume(deliverAndLog, {
          concurrency: config.queue.concurrency,
          onError: (err) => workerLog.error({ err }, 'queue unavailable'),
        })
      },
      async close() {
        await app.close()
        await consumer?.stop()
        await stores.close()
      },
    }
  } catch (err) {
    await stores.close()
    throw err
  }
}

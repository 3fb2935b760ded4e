import type { FastifyInstance } from 'fastify'
import { checkReadiness, type ReadinessCheck } from './readiness.js'

export interface HealthRoutesOptions {
  readonly clock: () => number
  readonly version: string
  readonly readiness: readonly ReadinessCheck[]
  readonly readinessTimeoutMs: number
}

/**
 * `/healthz`: the process is up, with its clock (epoch seconds) so that operators can
 * alert on drift, since a drifting clock makes every Slack request look stale.
 * `/readyz`: every dependency answers; 503 otherwise, so a load balancer stops sending.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ status: 'ok', time: options.clock(), version: options.version })
  })
  app.get('/readyz', async (_request, reply) => {
    const report = await checkReadiness(options.readiness, options.readinessTimeoutMs)
    return reply
      .code(report.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(report)
  })
}

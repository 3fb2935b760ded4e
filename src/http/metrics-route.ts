import type { FastifyInstance } from 'fastify'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'

export interface MetricsRouteOptions {
  readonly metrics: GatewayMetrics
}

/**
 * `GET /metrics`: the Prometheus text exposition format. The labels carry route names,
 * verdicts and reason codes only, never request data, but the endpoint still belongs on an
 * internal listener or behind the load balancer's allowlist.
 *
 * @example
 * await app.register(metricsRoute, { metrics })
 */
export async function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  const { metrics } = options
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render()
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text)
  })
}

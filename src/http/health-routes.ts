import type { FastifyInstance } from 'fastify'
import { checkReadiness, type ReadinessCheck } from './readiness.js'

export interface HealthRoutesOptions {
  readonly clock: () => number
  readonly version: string
  readonly readiness: readonly ReadinessCheck[]
  readonly readinessTimeoutMs: number
  /** The audit chain head; `/healthz` reports `audit: null` without it. */
  readonly auditHead?: () => Promise<{ readonly seq: number; readonly hash: string } | undefined>
  /** Epoch milliseconds of the last successful delivery in this process. */
  readonly lastDeliveryAt?: () => number | undefined
  /** What the configuration does that its author may not expect (`/readyz` lists them; ready is unchanged). */
  readonly warnings?: readonly string[]
}

/**
 * `/healthz`: the process is up, with its clock (epoch seconds) so that operators can
 * alert on drift, since a drifting clock makes every Slack request look stale; the audit
 * chain head, so that its growth can be watched (and anchored); and when this process last
 * delivered a job. It stays 200 whatever these say: it answers whether the process lives.
 * `/readyz`: every dependency answers; 503 otherwise, so a load balancer stops sending.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const audit = await auditHead(options)
    const delivered = options.lastDeliveryAt?.()
    return reply.header('cache-control', 'no-store').send({
      status: 'ok',
      time: options.clock(),
      version: options.version,
      audit,
      lastDeliveryAt: delivered === undefined ? null : Math.floor(delivered / 1000),
    })
  })
  app.get('/readyz', async (_request, reply) => {
    const report = await checkReadiness(options.readiness, options.readinessTimeoutMs)
    const warnings = options.warnings ?? []
    return reply
      .code(report.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(warnings.length === 0 ? report : { ...report, warnings })
  })
}

async function auditHead(options: HealthRoutesOptions): Promise<{ seq: number; hash: string } | { error: 'audit_unavailable' } | null> {
  if (options.auditHead === undefined) return null
  // Liveness, not readiness: an audit log that fails or hangs is reported here, never turned
  // into a 500 or a hung probe (which would get a healthy process restarted). /readyz is
  // where it makes the answer 503.
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), options.readinessTimeoutMs)
    timer.unref()
  })
  try {
    const head = await Promise.race([options.auditHead(), timeout])
    return head === undefined ? null : { seq: head.seq, hash: head.hash }
  } catch {
    return { error: 'audit_unavailable' }
  } finally {
    clearTimeout(timer)
  }
}

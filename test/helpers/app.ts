import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config/load.js'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logger.js'
import type { ReadinessCheck } from '../../src/http/readiness.js'
import { NOW, SECRET } from './signing.js'

export interface TestApp {
  readonly app: FastifyInstance
  /** Every log line written so far, raw. */
  readonly lines: string[]
  /** The per-request log lines, parsed. */
  requestLogs(): Array<Record<string, unknown>>
}

export interface TestAppOptions {
  readonly env?: Record<string, string>
  readonly clock?: () => number
  readonly readiness?: readonly ReadinessCheck[]
}

/** The real gateway app, with its logs captured and its clock pinned to NOW. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const lines: string[] = []
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
  const config = loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET, ...options.env }, cwd: '/tmp', now: NOW })
  const app = await buildApp({ config, logger, clock: options.clock ?? (() => NOW), readiness: options.readiness ?? [], readinessTimeoutMs: 200 })
  return {
    app,
    lines,
    requestLogs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
  }
}

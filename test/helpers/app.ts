import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type GatewayConfig } from '../../src/config/load.js'
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js'
import { createLogger } from '../../src/http/logger.js'
import type { Vault } from '../../src/vault/vault.js'
import { NOW, SECRET } from './signing.js'

export interface TestApp {
  readonly app: FastifyInstance
  readonly gateway: Gateway
  readonly config: GatewayConfig
  /** Every log line written so far, raw. */
  readonly lines: string[]
  /** The per-request log lines, parsed. */
  requestLogs(): Array<Record<string, unknown>>
  close(): Promise<void>
}

export interface TestAppOptions {
  readonly env?: Record<string, string>
  /** A YAML config file. */
  readonly file?: string
  readonly dataDir?: string
  readonly clock?: () => number
  readonly fetch?: typeof fetch
  readonly workers?: boolean
  readonly storeTimeoutMs?: number
  readonly namespaceRenewMs?: number
  /** Replaces the vault the gateway opens from its config (a memory vault that can be made to fail). */
  readonly vault?: Vault
  /** The captured log's level (default info); a leak scan reads debug lines too. */
  readonly logLevel?: 'info' | 'debug'
}

/** The real gateway (embedded stores in a fresh data directory), logs captured, clock pinned to NOW. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const lines: string[] = []
  const logger = createLogger({ level: options.logLevel ?? 'info', destination: { write: (line: string) => void lines.push(line) } })
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slackgate-app-'))
  const config = loadConfig({
    env: { SLACK_SIGNING_SECRET: SECRET, SLACKGATE_DATA_DIR: dataDir, ...options.env },
    cwd: dataDir,
    now: NOW,
    ...(options.file !== undefined && { file: options.file }),
  })
  const gateway = await createGateway({
    config,
    logger,
    clock: options.clock ?? (() => NOW),
    readinessTimeoutMs: 300,
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    ...(options.storeTimeoutMs !== undefined && { storeTimeoutMs: options.storeTimeoutMs }),
    ...(options.namespaceRenewMs !== undefined && { namespaceRenewMs: options.namespaceRenewMs }),
    ...(options.vault !== undefined && { vault: options.vault }),
  })
  if (options.workers === true) gateway.startWorkers()
  return {
    app: gateway.app,
    gateway,
    config,
    lines,
    requestLogs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
    close: () => gateway.close(),
  }
}

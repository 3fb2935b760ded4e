import type { Logger } from 'pino'
import type { AuditRecord } from '../audit/audit-record.js'
import type { GatewayConfig } from '../config/load.js'
import type { Vault } from '../vault/vault.js'
import { oauthV2Access } from './oauth-v2-access.js'
import { createSlackAccess, type SlackAccess } from './slack-access.js'
import { createTokenRefresher, type TokenRefresher } from './token-refresh.js'

/**
 * One refresh exchange's deadline: its attempts and their backoff (token-refresh.ts) end well
 * within the time other callers wait for the installation's lock (30 s).
 */
export const REFRESH_TIMEOUT_MS = 5000

export interface OpenSlackAccessOptions {
  readonly config: GatewayConfig
  readonly vault: Vault
  readonly audit: { append(record: AuditRecord): Promise<void> }
  readonly logger: Logger
  readonly fetch?: typeof fetch
}

export interface GatewaySlackAccess {
  readonly access: SlackAccess
  readonly refresher: TokenRefresher
  /** Starts the background refresh sweep (every `slack.tokenRotation.sweepIntervalSeconds`), once. */
  startSweep(): void
  /** Stops the sweep and waits for one in flight (it may hold an installation's lock). */
  stop(): Promise<void>
}

/** The handlers' Web API access and the token refresh sweep, from the gateway's config. */
export function openSlackAccess(options: OpenSlackAccessOptions): GatewaySlackAccess {
  const { config, vault, logger } = options
  const { clientId, clientSecret } = config.slack
  const refresher = createTokenRefresher({
    vault,
    audit: options.audit,
    logger,
    refreshBeforeSeconds: config.slack.tokenRotation.refreshBeforeSeconds,
    exchange: (refreshToken) =>
      clientId === undefined || clientSecret === undefined
        ? Promise.reject(new Error('token rotation needs slack.clientId and slack.clientSecret'))
        : oauthV2Access(
            { apiUrl: config.slack.apiUrl, clientId, clientSecret, timeoutMs: REFRESH_TIMEOUT_MS, ...(options.fetch !== undefined && { fetch: options.fetch }) },
            { grantType: 'refresh_token', refreshToken },
          ),
  })
  const access = createSlackAccess({
    vault,
    refresher,
    apiUrl: config.slack.apiUrl,
    logger,
    timeoutMs: config.slack.webApi.timeoutMs,
    maxRetryAfterSeconds: config.slack.webApi.maxRetryAfterSeconds,
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  })
  const log = logger.child({ component: 'token-refresh' })
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  const sweep = () => {
    running ??= refresher
      .sweep()
      .then((count) => count > 0 && log.info({ refreshed: count }, 'token refresh sweep'))
      .catch((err: unknown) => log.error({ err }, 'token refresh sweep failed'))
      .finally(() => (running = undefined))
  }
  return {
    access,
    refresher,
    startSweep() {
      if (timer !== undefined) return
      timer = setInterval(sweep, config.slack.tokenRotation.sweepIntervalSeconds * 1000)
      // The sweep never keeps the process alive on its own.
      timer.unref()
      sweep()
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
      await running
    },
  }
}

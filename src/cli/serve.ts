import type { GatewayConfig } from '../config/load.js'
import { buildApp } from '../http/app.js'
import { createLogger } from '../http/logger.js'

/**
 * Loads the config, builds the app and listens until SIGINT/SIGTERM, then closes
 * gracefully (in-flight requests finish; new ones get 503).
 */
export async function serve(config: GatewayConfig): Promise<void> {
  const logger = createLogger({ level: config.log.level })
  const app = await buildApp({ config, logger })
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  const address = await app.listen({ host: config.server.host, port: config.server.port })
  logger.info(
    { address, dataDir: config.dataDir, secrets: config.slack.signingSecrets.length, config: config.file ?? null },
    'slackgate listening',
  )
}


import { configWarnings } from '../config/config-warnings.js'
import type { GatewayConfig } from '../config/load.js'
import { createGateway } from '../gateway/create-gateway.js'
import { createLogger } from '../http/logger.js'
import { CliError } from './cli-error.js'

/** How long a shutdown waits before saying what it waits for. */
export const SHUTDOWN_NOTICE_MS = 3000

/**
 * Starts the gateway (HTTP and delivery workers) and runs until SIGINT/SIGTERM, then closes
 * gracefully: requests in flight finish (new ones get 503), deliveries in flight finish. A
 * delivery can take long (a custom step's completion waits for Slack until the step's token
 * expires): after `SHUTDOWN_NOTICE_MS` the log says so, and a second signal stops the process
 * at once, as a crash would: the jobs it held are delivered again after the restart.
 */
export async function serve(config: GatewayConfig): Promise<void> {
  const logger = createLogger({ level: config.log.level })
  const gateway = await createGateway({ config, logger })
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'stopping now, without waiting for the deliveries in flight: they are delivered again after the restart')
      process.exit(1)
    }
    closing = true
    logger.info({ signal }, 'shutting down')
    const notice = setTimeout(() => {
      logger.warn(
        { signal, waitedMs: SHUTDOWN_NOTICE_MS },
        "still waiting for deliveries in flight (a custom step's completion waits for Slack until its token expires): send the signal again to stop now, and they are delivered again after the restart",
      )
    }, SHUTDOWN_NOTICE_MS).unref()
    gateway.close().then(
      () => {
        clearTimeout(notice)
        process.exit(0)
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  let address: string
  try {
    address = await gateway.app.listen({ host: config.server.host, port: config.server.port })
  } catch (err) {
    await gateway.close()
    throw listenError(err, config.server.host, config.server.port)
  }
  // The admin console's own listener (admin.listen), kept off the address Slack reaches.
  const consoleListen = config.admin?.listen
  if (gateway.consoleApp !== undefined && consoleListen !== undefined) {
    try {
      logger.info({ address: await gateway.consoleApp.listen({ host: consoleListen.host, port: consoleListen.port }) }, 'admin console listening')
    } catch (err) {
      await gateway.close()
      throw listenError(err, consoleListen.host, consoleListen.port)
    }
  }
  gateway.startWorkers()
  for (const warning of configWarnings(config)) {
    logger.warn(warning)
    // Said outside the JSON log too: a gateway that runs nothing must not look like one that works.
    process.stderr.write(`\n  slackgate: WARNING: ${warning}\n\n`)
  }
  for (const route of config.routes) {
    // Any other hook route must say public: its source's secret is what authorises it.
    const slackIdentity = route.match.hook === undefined || config.slackSources.has(route.match.hook)
    if (route.public === true && slackIdentity) logger.warn({ slackRoute: route.name }, 'public route: anyone Slack (or its token) vouches for may run it')
  }
  logger.info(
    {
      address,
      dataDir: config.dataDir,
      secrets: config.slack.signingSecrets.length,
      routes: config.routes.length,
      replayStore: config.replay.store.kind,
      queue: config.queue.store.kind,
      config: config.file ?? null,
      tls: config.server.tls !== undefined,
      // Who checks Slack's client certificate: this process, a trusted proxy, or nobody.
      mtls: config.server.tls?.mtls === 'required' ? 'required' : config.server.trustedProxy !== undefined ? 'trusted-proxy' : 'off',
    },
    'slackgate listening',
  )
}

/** A listen failure said with the port and how to choose another; anything else as it is. */
export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const choose = 'choose another port with the PORT environment variable or server.port in the config file'
  if (code === 'EADDRINUSE') return new CliError(`port ${port} on ${host} is in use by another process: stop it, or ${choose}`)
  if (code === 'EACCES') return new CliError(`not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges): ${choose}`)
  if (code === 'EADDRNOTAVAIL') return new CliError(`${host} is not an address of this machine: set HOST or server.host to one that is (or 0.0.0.0)`)
  return err
}

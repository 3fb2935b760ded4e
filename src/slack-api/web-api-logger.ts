import { LogLevel, type Logger as SlackLogger } from '@slack/web-api'
import type { Logger } from 'pino'
import { scrubSecrets } from '../redact/redact-secrets.js'

/**
 * The WebClient's logger, on the gateway's: warnings and errors only (its debug lines dump
 * request bodies), as one scrubbed message each, so that no token reaches a log line even
 * if a warning quotes one.
 */
export function webApiLogger(logger: Logger): SlackLogger {
  const text = (msg: unknown[]) => scrubSecrets(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '))
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => logger.warn(text(msg)),
    error: (...msg: unknown[]) => logger.error(text(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  }
}

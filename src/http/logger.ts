import { pino, type DestinationStream, type Logger } from 'pino'

/**
 * Fields that can carry a secret wherever they appear in a log object. Logging them is a
 * bug; redaction makes sure a bug does not become a leak.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-slack-signature"]',
  'signature',
  'secret',
  'token',
  '*.signature',
  '*.secret',
  '*.token',
  '*.signingSecret',
  '*.signingSecrets',
  '*.authorization',
  '*.client_secret',
  '*.bot_access_token',
]

export interface LoggerOptions {
  readonly level: string
  readonly destination?: DestinationStream
}

/** The gateway's JSON logger: one line per event, secrets redacted, ISO timestamps. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'slackgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  )
}

export type { Logger }

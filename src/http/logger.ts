import { pino, type DestinationStream, type Logger } from 'pino'
import { redactError, redactSecrets } from '../redact/redact-secrets.js'

export interface LoggerOptions {
  readonly level: string
  readonly destination?: DestinationStream
}

/**
 * The gateway's JSON logger: one line per event, ISO timestamps, and every secret-named
 * field redacted wherever it sits (see redact/redact-secrets.ts): in the logged object and in
 * serialised errors. (Child bindings, such as the request id, are set by the gateway's own
 * code and not redacted: pino formats them once, outside this hook.) An error's message and
 * stack are also scrubbed of credential-shaped text (tokens, bearer values, JWTs, URL
 * passwords). Logging a secret is a bug; redaction makes sure a bug does not become a leak.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'slackgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: redactSecrets },
      // Serialisers run after `formatters.log`: the serialised error is redacted again.
      serializers: { err: (err: unknown) => redactError(pino.stdSerializers.err(err as Error)) },
    },
    options.destination,
  )
}

export type { Logger }

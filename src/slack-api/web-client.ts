import { WebClient } from '@slack/web-api'
import type { Logger } from 'pino'
import { webApiFetch } from './web-api-fetch.js'
import { webApiLogger } from './web-api-logger.js'

export interface WebClientSettings {
  /** Base of the Web API without a trailing slash (`slack.apiUrl`). */
  readonly apiUrl: string
  readonly logger: Logger
  readonly timeoutMs: number
  readonly maxRetryAfterSeconds: number
  readonly fetch?: typeof fetch
}

/**
 * A `WebClient` (@slack/web-api) on the gateway's terms: calls go to `slack.apiUrl` and only
 * there (no absolute URLs, which would carry the token elsewhere); no call is retried after
 * it may have reached Slack, so a `chat.postMessage` whose answer was lost is not posted
 * twice (slackapi/node-slack-sdk's default policy retries 10 times in 30 minutes); a 429 is
 * waited out (`Retry-After`) and sent again; warnings go to the gateway's log, scrubbed.
 * The token is a value, or resolved when the first call is made.
 *
 * @example
 * const client = createWebClient(settings, () => tokens.botToken({ teamId: 'T0001' }))
 * await client.chat.postMessage({ channel: 'C0001', text: 'hello' })
 */
export function createWebClient(settings: WebClientSettings, token?: string | (() => Promise<string>)): WebClient {
  return new WebClient(typeof token === 'string' ? token : undefined, {
    slackApiUrl: `${settings.apiUrl}/`,
    allowAbsoluteUrls: false,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: webApiLogger(settings.logger.child({ component: 'slack-web-api' })),
    fetch: webApiFetch({
      fetch: settings.fetch ?? fetch,
      timeoutMs: settings.timeoutMs,
      maxRetryAfterSeconds: settings.maxRetryAfterSeconds,
      ...(typeof token === 'function' && { token }),
    }),
  })
}

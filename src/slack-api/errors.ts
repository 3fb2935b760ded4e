/**
 * Reason codes of the gateway's own Web API access: what a handler's `client` and `say()`
 * throw, and what the audit log records about token refresh. None carries a token: only the
 * installation key, the token kind and Slack's error code. Never renamed or reused.
 */
export const SLACK_API_CODES = ['token_refresh_failed', 'installation_not_found', 'no_channel'] as const

export type SlackApiCode = (typeof SLACK_API_CODES)[number]

/** Facts about a failure: never a token. */
export interface SlackApiErrorDetails {
  /** The installation key (`team:T…`), when one is concerned. */
  readonly installation?: string
  /** Slack's error code (`invalid_refresh_token`), or how the exchange failed (`timeout`). */
  readonly slackError?: string
  readonly cause?: unknown
}

/**
 * A failure of the gateway's Web API access, with a stable code and a message safe to log.
 *
 * @example
 * throw new SlackApiError('installation_not_found', 'no installation for team T0001', { installation: 'team:T0001' })
 */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError'
  readonly installation?: string
  readonly slackError?: string

  constructor(
    readonly code: SlackApiCode,
    message: string,
    details: SlackApiErrorDetails = {},
  ) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause })
    if (details.installation !== undefined) this.installation = details.installation
    if (details.slackError !== undefined) this.slackError = details.slackError
  }
}

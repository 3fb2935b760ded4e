import { createSigningSecret, type SigningSecret } from '../../src/verify/signing-secret.js'
import { signSlackRequest } from '../../src/verify/slack-signature.js'

export const SECRET = 'test-signing-secret-0123456789abcdef'
export const OTHER_SECRET = 'another-signing-secret-fedcba9876543210'
export const NOW = 1_800_000_000

export const secret: SigningSecret = createSigningSecret(SECRET)

/** Headers Slack would send for `body` signed with `secretValue` at `timestamp`. */
export function slackHeaders(
  body: string | Buffer,
  options: { secret?: string; timestamp?: number | string; contentType?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? NOW)
  return {
    'content-type': options.contentType ?? 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(createSigningSecret(options.secret ?? SECRET), timestamp, body),
  }
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

export const commandFields = {
  token: 'x',
  team_id: 'T0001',
  channel_id: 'C0001',
  user_id: 'U0001',
  command: '/deploy',
  text: 'prod',
  response_url: 'https://hooks.slack.com/commands/T0001/1/abc',
  trigger_id: '123.456.abc',
}

export function eventEnvelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'event_callback',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event_id: 'Ev0001',
    event_time: NOW,
    event: { type: 'app_mention', user: 'U0001', channel: 'C0001', text: 'hi' },
    ...overrides,
  }
}

/**
 * Reason codes for a Slack request refused because its client certificate (mutual TLS,
 * checked by the gateway or by a trusted proxy in front of it) does not prove it came from
 * Slack. Each is answered 401, before the body is read. Never renamed or reused.
 */
export const TLS_CODES = [
  'client_certificate_missing',
  'client_certificate_untrusted',
  'client_certificate_mismatch',
  'untrusted_proxy_header',
] as const

export type TlsCode = (typeof TLS_CODES)[number]

/** Slack's client certificate names this host (https://api.slack.com/authentication/verifying-requests-from-slack#mutual_tls). */
export const SLACK_CLIENT_CERTIFICATE_NAME = 'platform-tls-client.slack.com'

import type { GatewayConfig } from '../config/load.js'

/**
 * The gateway's own secrets as text, each as its bytes read as UTF-8, base64 and hex: a
 * handler or a service that echoes one in its error message echoes one of these. Slack
 * signing secrets and webhook secrets only; tokens and passwords have shapes of their own
 * that the scrubber knows.
 */
export function heldSecrets(config: GatewayConfig): string[] {
  const keys = [...config.slack.signingSecrets.map((s) => s.key), ...config.sources.flatMap((source) => source.secrets.map((s) => s.key))]
  return keys.flatMap((key) => {
    const bytes = key.export()
    return [bytes.toString('utf8'), bytes.toString('base64'), bytes.toString('hex')]
  })
}

import { stringify } from 'yaml'
import type { GatewayConfig } from '../config/load.js'
import { httpsOrLoopbackUrl } from '../config/url-schema.js'
import { appManifest, MAX_APP_NAME } from '../manifest/app-manifest.js'
import { ManifestError } from '../manifest/manifest-error.js'
import { CliError } from './cli-error.js'

/** The options of `slackgate manifest`, as commander parses them. */
export interface ManifestCommandOptions {
  readonly url?: string
  readonly name?: string
  readonly format?: 'yaml' | 'json'
  readonly tokenRotation?: boolean
}

const gatewayUrl = httpsOrLoopbackUrl('--url')

/**
 * `slackgate manifest`: the Slack app manifest of the config's routes, as YAML (or JSON),
 * ending in a newline. The gateway's URL is `--url`, else the origin of
 * `install.redirectUrl`; it must be https (http only on loopback, for development). A
 * missing or bad URL or name is a `CliError` (exit 2), as is a route Slack cannot express.
 *
 * @example
 * manifestCommand(config, { url: 'https://gw.example.com', format: 'json' }) // '{\n  "display_information": …'
 */
export function manifestCommand(config: Pick<GatewayConfig, 'routes' | 'install'>, opts: ManifestCommandOptions): string {
  const url = opts.url ?? (config.install === undefined ? undefined : new URL(config.install.redirectUrl).origin)
  if (url === undefined) throw new CliError('--url is required: the gateway\'s public https URL (or configure install.redirectUrl, whose origin is taken)')
  const checked = gatewayUrl.safeParse(url)
  if (!checked.success) throw new CliError(checked.error.issues[0]?.message ?? '--url must be an https URL')
  const parsed = new URL(url)
  if (parsed.search !== '' || parsed.hash !== '') throw new CliError('--url is the gateway\'s base URL: no query, no fragment')
  const name = opts.name ?? 'slackgate'
  if (name.trim() === '' || name.length > MAX_APP_NAME) throw new CliError(`--name must be 1 to ${MAX_APP_NAME} characters (Slack's limit on an app's name)`)
  let manifest
  try {
    manifest = appManifest(config, { url: `${parsed.origin}${parsed.pathname}`, name, tokenRotation: opts.tokenRotation === true })
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(err.message)
    throw err
  }
  return opts.format === 'json' ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest)
}

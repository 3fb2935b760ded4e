import { stringify } from 'yaml'
import type { GatewayConfig } from '../config/load.js'
import { httpsOrLoopbackUrl } from '../config/url-schema.js'
import { slackScope } from '../config/install-schema.js'
import { appManifest, eventsOfUnknownScope, MAX_APP_NAME, undeclaredShortcuts } from '../manifest/app-manifest.js'
import { ManifestError } from '../manifest/manifest-error.js'
import { CliError } from './cli-error.js'

/** The options of `slackgate manifest`, as commander parses them. */
export interface ManifestCommandOptions {
  readonly url?: string
  readonly name?: string
  readonly format?: 'yaml' | 'json'
  readonly tokenRotation?: boolean
  /** Bot scopes the handlers need (`chat:write`), declared only without `install`. */
  readonly botScope?: readonly string[]
}

/** The manifest, and what the operator should check by hand (printed on stderr). */
export interface ManifestOutput {
  readonly output: string
  readonly warnings: readonly string[]
}

const gatewayUrl = httpsOrLoopbackUrl('--url')

/**
 * `slackgate manifest`: the Slack app manifest of the config's routes, as YAML (or JSON),
 * ending in a newline. The gateway's URL is `--url`, else the origin of
 * `install.redirectUrl`; it must be https (http only on loopback, for development). A
 * missing or bad URL, name or scope is a `CliError` (exit 2), as is a route Slack cannot
 * express, a scope `install.scopes.bot` lacks, or `--bot-scope` beside `install`. The warnings
 * name the events whose scope the operator has to add.
 *
 * @example
 * manifestCommand(config, { url: 'https://gw.example.com', format: 'json' }).output // '{\n  "display_information": …'
 */
export function manifestCommand(config: Pick<GatewayConfig, 'routes' | 'install'>, opts: ManifestCommandOptions): ManifestOutput {
  const url = opts.url ?? (config.install === undefined ? undefined : new URL(config.install.redirectUrl).origin)
  if (url === undefined) throw new CliError('--url is required: the gateway\'s public https URL (or configure install.redirectUrl, whose origin is taken)')
  const checked = gatewayUrl.safeParse(url)
  if (!checked.success) throw new CliError(checked.error.issues[0]?.message ?? '--url must be an https URL')
  const parsed = new URL(url)
  if (parsed.search !== '' || parsed.hash !== '') throw new CliError('--url is the gateway\'s base URL: no query, no fragment')
  const name = opts.name ?? 'slackgate'
  if (name.trim() === '' || name.length > MAX_APP_NAME) throw new CliError(`--name must be 1 to ${MAX_APP_NAME} characters (Slack's limit on an app's name)`)
  const botScopes = opts.botScope ?? []
  if (botScopes.length > 0 && config.install !== undefined) {
    throw new CliError(`--bot-scope is for a config without install: with it, the bot scopes are install.scopes.bot (add ${botScopes.join(', ')} there)`)
  }
  const badScope = botScopes.find((s) => !slackScope.safeParse(s).success)
  if (badScope !== undefined) throw new CliError(`--bot-scope ${JSON.stringify(badScope)} is not a Slack scope, such as chat:write`)
  let manifest
  try {
    manifest = appManifest(config, { url: `${parsed.origin}${parsed.pathname}`, name, tokenRotation: opts.tokenRotation === true, botScopes })
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(err.message)
    throw err
  }
  const warnings = [
    ...eventsOfUnknownScope(config.routes).map(
      (event) => `warning: slackgate does not know which scope the ${event} event needs: if Slack asks for one, add it to ${config.install === undefined ? 'oauth_config.scopes.bot (or --bot-scope)' : 'install.scopes.bot'}`,
    ),
    ...undeclaredShortcuts(config.routes).map(
      (route) => `warning: route ${route} is a shortcut with no shortcut: { type, name } in the config: it is not in the manifest (add that, or declare it under features.shortcuts yourself)`,
    ),
  ]
  return { output: opts.format === 'json' ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest), warnings }
}

import type { InstallConfig } from '../config/install-schema.js'
import type { RouteConfig } from '../config/schema.js'
import { ALL_MESSAGE_SUBSCRIPTIONS } from '../slack/message-subscriptions.js'
import { eventScopes } from './event-scopes.js'
import { ManifestError } from './manifest-error.js'
import { slackParameters, type SlackParameters } from './slack-parameters.js'

/** What the manifest is built from: the routes and the install flow, never a secret. */
export interface ManifestSource {
  readonly routes: readonly RouteConfig[]
  readonly install?: InstallConfig
}

/** How the manifest addresses the gateway and names the app. */
export interface ManifestOptions {
  /** The gateway's public origin, as Slack reaches it: `https://gateway.example.com`. */
  readonly url: string
  /** The app's name, and its bot user's display name (at most 35 characters). */
  readonly name: string
  /** Expiring tokens (Slack cannot turn this off again once on); the gateway refreshes them. */
  readonly tokenRotation?: boolean
  /**
   * Bot scopes the handlers need beyond what the routes imply (`chat:write` to post). Only
   * without `install`: with it, `install.scopes.bot` is the whole list.
   */
  readonly botScopes?: readonly string[]
}

/** The parts of Slack's app manifest the gateway writes (https://docs.slack.dev/reference/app-manifest). */
export interface SlackAppManifest {
  readonly display_information: { readonly name: string }
  readonly features: {
    readonly app_home?: { readonly home_tab_enabled: boolean; readonly messages_tab_enabled: boolean; readonly messages_tab_read_only_enabled: boolean }
    readonly bot_user: { readonly display_name: string; readonly always_online: boolean }
    readonly shortcuts?: ReadonlyArray<{ readonly name: string; readonly type: 'global' | 'message'; readonly callback_id: string; readonly description: string }>
    readonly slash_commands?: ReadonlyArray<{ readonly command: string; readonly url: string; readonly description: string; readonly should_escape: boolean }>
  }
  readonly oauth_config?: {
    readonly redirect_urls?: readonly string[]
    readonly scopes?: { readonly bot?: readonly string[]; readonly user?: readonly string[] }
  }
  readonly settings: {
    readonly event_subscriptions?: { readonly request_url: string; readonly bot_events: readonly string[] }
    readonly interactivity?: { readonly is_enabled: boolean; readonly request_url: string; readonly message_menu_options_url?: string }
    readonly org_deploy_enabled?: boolean
    readonly function_runtime?: 'remote'
    readonly token_rotation_enabled: boolean
  }
  readonly functions?: Readonly<Record<string, { readonly title: string; readonly description: string; readonly input_parameters: SlackParameters; readonly output_parameters: SlackParameters }>>
}

/** Slack's limit on an app's name (app manifest reference). */
export const MAX_APP_NAME = 35
/** Slack's limit on a slash command, its `/` included (app manifest reference). */
export const MAX_COMMAND = 32
/** Slack's limit on an app's shortcuts (app manifest reference). */
export const MAX_SHORTCUTS = 10

// The install flow applies these as they arrive: an uninstall drops the installation, a
// revocation its tokens (see docs/slack-app.md).
const LIFECYCLE_EVENTS = ['app_uninstalled', 'tokens_revoked'] as const

/**
 * The Slack app manifest for a gateway config served at `options.url`: one slash command per
 * command route, the event routes' types as bot events (a message route's as the message
 * subscriptions, `function_executed` for custom steps and the lifecycle events when `install`
 * is configured), interactivity for actions, views, shortcuts and custom steps, one function
 * per function route (org-wide deployment and the remote runtime on), and the install flow's
 * redirect URL and scopes. Every request URL is the gateway's own endpoint under `url`.
 *
 * The bot scopes are `install.scopes.bot` when `install` is configured: each subscription's
 * scope (see event-scopes.ts) and `commands` must then be among them, since the gateway
 * refuses an install granted more. Without `install` they are `options.botScopes` with what
 * the routes need added. Throws a `ManifestError` for a route Slack cannot express (see
 * `slackParameters`), a command longer than Slack takes, or a scope `install.scopes.bot` lacks.
 *
 * @example
 * appManifest({ routes: [deployRoute] }, { url: 'https://gw.example.com', name: 'slackgate' }).features.slash_commands
 * // [{ command: '/deploy', url: 'https://gw.example.com/slack/commands', description: 'Deploy a service', should_escape: false }]
 */
export function appManifest(config: ManifestSource, options: ManifestOptions): SlackAppManifest {
  const base = options.url.replace(/\/+$/, '')
  const commands = config.routes.filter((r) => r.match.command !== undefined)
  const functions = config.routes.filter((r) => r.match.function !== undefined)
  const suggests = config.routes.some((r) => r.match.options !== undefined)
  const interactive =
    suggests || config.routes.some((r) => r.match.action !== undefined || r.match.block !== undefined || r.match.view !== undefined || r.match.shortcut !== undefined) || functions.length > 0
  const scopes = new BotScopes(config.install, options.botScopes ?? [])
  if (commands.length > 0) scopes.require(['commands'], 'slash commands need')
  const botEvents = unique([
    ...config.routes.flatMap((r) => subscriptions(r, scopes)),
    ...(functions.length > 0 ? ['function_executed'] : []),
    ...(config.install === undefined ? [] : LIFECYCLE_EVENTS),
  ])

  const slashCommands = commands.map((r) => {
    const command = r.match.command as string
    if (command.length > MAX_COMMAND) throw new ManifestError('match.command', `Slack takes commands of at most ${MAX_COMMAND} characters, the / included`, r.name)
    return { command, url: `${base}/slack/commands`, description: r.description ?? `Runs ${command}`, should_escape: false }
  })
  const oauth = oauthConfig(config.install, scopes.bot())
  const shortcuts = config.routes.flatMap((r) =>
    r.match.shortcut === undefined || r.shortcut === undefined
      ? []
      : [{ name: r.shortcut.name, type: r.shortcut.type, callback_id: r.match.shortcut, description: r.shortcut.description ?? r.shortcut.name }],
  )
  if (shortcuts.length > MAX_SHORTCUTS) throw new ManifestError('shortcut', `Slack takes at most ${MAX_SHORTCUTS} shortcuts per app; ${shortcuts.length} routes declare one`)
  const appHome = appHomeOf(botEvents)

  return {
    display_information: { name: options.name },
    features: {
      ...(appHome !== undefined && { app_home: appHome }),
      bot_user: { display_name: options.name, always_online: false },
      ...(shortcuts.length > 0 && { shortcuts }),
      ...(slashCommands.length > 0 && { slash_commands: slashCommands }),
    },
    ...(oauth !== undefined && { oauth_config: oauth }),
    settings: {
      ...(botEvents.length > 0 && { event_subscriptions: { request_url: `${base}/slack/events`, bot_events: botEvents } }),
      ...(interactive && {
        interactivity: { is_enabled: true, request_url: `${base}/slack/interactions`, ...(suggests && { message_menu_options_url: `${base}/slack/interactions` }) },
      }),
      // Slack runs custom steps of an app it does not host only with both: https://api.slack.com/automation/functions/custom-bolt
      ...(functions.length > 0 && { org_deploy_enabled: true, function_runtime: 'remote' as const }),
      token_rotation_enabled: options.tokenRotation === true,
    },
    ...(functions.length > 0 && { functions: Object.fromEntries(functions.map((r) => [r.match.function as string, functionDefinition(r)])) }),
  }
}

/**
 * The App Home tabs the subscriptions need: the Messages tab (people can write to the app) for
 * direct messages to it, the Home tab for `app_home_opened`. Neither: no `app_home` section.
 */
function appHomeOf(botEvents: readonly string[]): SlackAppManifest['features']['app_home'] {
  const messages = botEvents.includes('message.im') || botEvents.includes('message.app_home')
  const home = botEvents.includes('app_home_opened')
  if (!messages && !home) return undefined
  return { home_tab_enabled: home, messages_tab_enabled: messages, messages_tab_read_only_enabled: false }
}

/** The shortcut routes that say nothing of how their shortcut appears: the manifest cannot declare them. */
export function undeclaredShortcuts(routes: readonly RouteConfig[]): string[] {
  return routes.filter((r) => r.match.shortcut !== undefined && r.shortcut === undefined).map((r) => r.name)
}

/**
 * The event types of `routes` whose scope slackgate does not know (see event-scopes.ts): the
 * manifest subscribes to them as they are, and their scopes are for the operator to add.
 */
export function eventsOfUnknownScope(routes: readonly RouteConfig[]): string[] {
  return unique(routes.flatMap((r) => (r.match.event === undefined || r.match.event === 'message' || eventScopes(r.match.event) !== undefined ? [] : [r.match.event])))
}

/**
 * The bot scopes being declared: `install.scopes.bot` as it stands (a scope it lacks is a
 * `ManifestError`), or, without `install`, the given ones with each needed scope added.
 */
class BotScopes {
  readonly #declared: string[]
  readonly #fixed: boolean

  constructor(install: InstallConfig | undefined, extra: readonly string[]) {
    this.#fixed = install !== undefined
    this.#declared = unique(install?.scopes.bot ?? extra)
  }

  has(scope: string): boolean {
    return this.#declared.includes(scope)
  }

  /** Declares one of `anyOf` (the first) unless one already is; `need` and `route` say who needs it. */
  require(anyOf: readonly string[], need: string, route?: string): void {
    const [first] = anyOf
    if (first === undefined || anyOf.some((s) => this.has(s))) return
    // The gateway refuses an install granted more than install.scopes: adding the scope here
    // would make every install fail, so the config has to declare it.
    if (this.#fixed) {
      const which = anyOf.length === 1 ? `the ${first} scope` : `one of ${anyOf.join(', ')}`
      throw new ManifestError('install.scopes.bot', `${need} ${which}: add it (installs granted more than install.scopes are refused)`, route)
    }
    this.#declared.push(first)
  }

  bot(): readonly string[] {
    return this.#declared
  }
}

/** The bot events route `route` subscribes to, with their scopes declared. */
function subscriptions(route: RouteConfig, scopes: BotScopes): string[] {
  const event = route.match.event ?? (route.match.message !== undefined ? 'message' : undefined)
  if (event === undefined) return []
  if (event === 'message') return messageSubscriptions(route, scopes)
  scopes.require(eventScopes(event) ?? [], `the ${event} event needs`, route.name)
  return [event]
}

/**
 * What a route on every message subscribes to: the message subscriptions whose history scope
 * is declared, or, when none is and the list is the config's to grow, all four with theirs.
 */
function messageSubscriptions(route: RouteConfig, scopes: BotScopes): string[] {
  const readable = ALL_MESSAGE_SUBSCRIPTIONS.filter((m) => scopes.has(m.scope))
  if (readable.length > 0) return readable.map((m) => m.subscription)
  // None declared: with `install` that is the config's to fix (require throws); without, all four are.
  scopes.require(ALL_MESSAGE_SUBSCRIPTIONS.map((m) => m.scope), 'message routes need', route.name)
  for (const m of ALL_MESSAGE_SUBSCRIPTIONS) scopes.require([m.scope], 'message routes need', route.name)
  return ALL_MESSAGE_SUBSCRIPTIONS.map((m) => m.subscription)
}

function functionDefinition(route: RouteConfig) {
  const title = route.step?.title ?? (route.match.function as string)
  return {
    title,
    // Slack requires a description; the title says what the step is when none is given.
    description: route.step?.description ?? title,
    input_parameters: slackParameters(route.step?.inputs, route.name, 'step.inputs'),
    output_parameters: slackParameters(route.step?.outputs, route.name, 'step.outputs'),
  }
}

function oauthConfig(install: InstallConfig | undefined, bot: readonly string[]): SlackAppManifest['oauth_config'] {
  if (install === undefined) return bot.length > 0 ? { scopes: { bot } } : undefined
  const { user } = install.scopes
  return {
    redirect_urls: [install.redirectUrl],
    scopes: { ...(bot.length > 0 && { bot }), ...(user.length > 0 && { user }) },
  }
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)]
}

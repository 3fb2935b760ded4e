import type { z } from 'zod'
import { channelIdSchema, enterpriseIdSchema, scopeSchema, subjectSchema, teamIdSchema, userIdSchema } from '../config/access-schema.js'
import type { GatewayConfig } from '../config/load.js'
import { describeMatch, matchOf } from '../dispatch/route-match.js'
import type { RouteConfig } from '../config/schema.js'
import type { AccessRequest } from '../policy/access-request.js'
import type { Membership } from '../policy/directory.js'
import { explain, type Explanation } from '../policy/explain.js'
import { loadHandlers } from '../dispatch/load-handlers.js'
import { lintHandlers, lintPolicies, type LintFinding } from '../policy/lint.js'
import { openDirectory } from '../policy/open-directory.js'
import { compileRouteAccess } from '../policy/route-access.js'
import { conversationKind } from '../slack/direct-message.js'
import { CliError } from './cli-error.js'

export interface ExplainOptions {
  readonly route: string
  readonly team?: string
  readonly enterprise?: string
  readonly channel?: string
  readonly user?: string
  readonly userTeam?: string
  readonly dm?: boolean
  readonly shared?: boolean
  readonly subject?: string
  readonly scope?: readonly string[]
  readonly json?: boolean
}

export interface CommandResult {
  readonly output: string
  readonly exitCode: number
}

/**
 * `slackgate policy explain`: what the gateway would decide for a request from this team,
 * channel and user, and which rule decided, without running the gateway. Group membership
 * comes from the configured directory (a live one is asked once). Exit 0 allowed, 1 denied.
 */
export async function explainCommand(config: GatewayConfig, opts: ExplainOptions): Promise<CommandResult> {
  const route = config.routes.find((r) => r.name === opts.route)
  if (route === undefined) {
    throw new CliError(`no route named ${opts.route}; routes: ${config.routes.map((r) => r.name).join(', ') || '(none)'}`)
  }
  const request = requestOf(opts)
  const access = compileRouteAccess(route)
  const groupIds = access.public ? [] : access.groupIds
  const directory = groupIds.length === 0 ? undefined : openDirectory(config.directory)
  try {
    const membership: Membership = directory === undefined ? { isMember: () => undefined } : await directory.membership(groupIds)
    const result = explain(request, access, membership)
    const output = opts.json === true ? JSON.stringify({ route: route.name, request, ...result }) : render(route, request, result)
    return { output, exitCode: result.decision.allow ? 0 : 1 }
  } finally {
    directory?.close()
  }
}

/**
 * `slackgate policy lint`: exit 1 when a rule can never match or a route's handler module
 * does not serve it (or, with strict, on any finding). Handler modules are loaded (their
 * setup runs) to see what they register.
 */
export async function lintCommand(config: GatewayConfig, opts: { json?: boolean; strict?: boolean }): Promise<CommandResult> {
  const findings = [
    ...lintPolicies(config.routes, config.directory?.kind === 'static' ? config.directory.userGroups : undefined, config.slackSources),
    ...(config.routes.some((r) => r.handler !== undefined) ? lintHandlers(config.routes, await loadHandlers(config.routes)) : []),
  ]
  const failing = findings.some((f) => f.level === 'error') || (opts.strict === true && findings.length > 0)
  const output =
    opts.json === true
      ? findings.map((f) => JSON.stringify(f)).join('\n')
      : findings.length === 0
        ? `${config.routes.length} route(s): no findings`
        : findings.map(renderFinding).join('\n')
  return { output, exitCode: failing ? 1 : 0 }
}

// The config's own id schemas: a channel name such as #general is a mistake to report, not
// a request to deny (no rule could name it).
function requestOf(opts: ExplainOptions): AccessRequest {
  const pick = (name: string, flag: string, schema: z.ZodType<string>, value: string | undefined) =>
    value === undefined ? {} : { [name]: checked(flag, schema, value) }
  return {
    ...pick('teamId', '--team', teamIdSchema, opts.team),
    ...pick('enterpriseId', '--enterprise', enterpriseIdSchema, opts.enterprise),
    ...pick('channelId', '--channel', channelIdSchema, opts.channel),
    ...pick('userId', '--user', userIdSchema, opts.user),
    ...pick('userTeamId', '--user-team', teamIdSchema, opts.userTeam),
    ...pick('subject', '--subject', subjectSchema, opts.subject),
    ...(opts.scope !== undefined && { scopes: opts.scope.map((s) => checked('--scope', scopeSchema, s)) }),
    // As the gateway reads a payload that carries only the channel id (an app_mention, say):
    // a D… id is a DM, an unlabelled G… id is presumed one (src/slack/direct-message.ts).
    ...directMessageFacts(opts),
    sharedChannel: opts.shared === true,
  }
}

function directMessageFacts(opts: ExplainOptions): Pick<AccessRequest, 'directMessage' | 'presumedDirectMessage'> {
  if (opts.dm === true) return { directMessage: true, presumedDirectMessage: false }
  const kind = conversationKind({ id: opts.channel })
  return { directMessage: kind === 'direct' || kind === 'presumed-direct', presumedDirectMessage: kind === 'presumed-direct' }
}

function checked(flag: string, schema: z.ZodType<string>, value: string): string {
  const result = schema.safeParse(value)
  if (!result.success) throw new CliError(`${flag} ${JSON.stringify(value)}: ${result.error.issues[0]?.message ?? 'invalid'}`)
  return result.data
}

function render(route: RouteConfig, request: AccessRequest, result: Explanation): string {
  const { decision } = result
  const match = describeMatch(matchOf(route))
  const facts = Object.entries(request)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ')
  const lines = [
    `route ${route.name} (${match})`,
    `request: ${facts || '(nothing given)'}`,
    decision.allow ? `decision: ALLOW by rule ${decision.rule}` : `decision: DENY (${decision.reason}) by rule ${decision.rule}`,
    ...result.steps.map((s) => `  ${s.rule}: ${s.result}`),
  ]
  return lines.join('\n')
}

function renderFinding(f: LintFinding): string {
  return `${f.level}: [${f.code}] route ${f.route}${f.rule === undefined ? '' : ` / rule ${f.rule}`}: ${f.message}`
}

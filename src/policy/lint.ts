import type { RouteConfig } from '../config/schema.js'
import { matchOf, type RouteMatch } from '../dispatch/route-match.js'
import type { MatchKind } from '../slack/match-keys.js'
import { isMessageSubscription } from '../slack/message-subscriptions.js'
import type { LoadedHandlers } from '../dispatch/load-handlers.js'
import { compileRouteAccess, type AccessRule, type DenyList } from './route-access.js'

export interface LintFinding {
  /**
   * `error`: a rule that can never match, or a route its handler module does not serve;
   * `warning`: worth a look (public, overlaps, dead entries, handlers no route reaches).
   */
  readonly level: 'error' | 'warning'
  readonly code: 'public_route' | 'never_matches' | 'dead_entry' | 'overlap' | 'missing_handler' | 'unrouted_handler'
  readonly route: string
  readonly rule?: string
  readonly message: string
}

/**
 * Reads every route's policy for mistakes no request would reveal until it mattered: routes
 * open to anyone, rules the deny list (or an empty group) makes unreachable, entries that a
 * deny list cancels, and rules another rule already covers. `userGroups` is the static
 * directory, when there is one: a group with no one left in it cannot let anyone in.
 */
export function lintPolicies(
  routes: readonly RouteConfig[],
  userGroups?: Readonly<Record<string, readonly string[]>>,
  /** Names of `preset: slack` sources: their routes carry a Slack identity, as /slack/* routes do. */
  slackSources: ReadonlySet<string> = new Set(),
): LintFinding[] {
  const findings: LintFinding[] = []
  for (const route of routes) {
    const access = compileRouteAccess(route)
    if (access.public) {
      // Any other hook route must say public: its source's secret is what authorises it (schema.ts).
      if (route.match.hook !== undefined && !slackSources.has(route.match.hook)) continue
      findings.push({ level: 'warning', code: 'public_route', route: route.name, message: `route ${route.name} is public: anyone Slack (or its token) vouches for may run it` })
      continue
    }
    const deny = access.deny ?? {}
    const at = (rule: AccessRule, level: LintFinding['level'], code: LintFinding['code'], message: string) =>
      findings.push({ level, code, route: route.name, rule: rule.name, message })
    access.rules.forEach((rule, i) => {
      for (const reason of neverMatches(rule, deny, userGroups)) at(rule, 'error', 'never_matches', `rule ${rule.name} can never match: ${reason}`)
      for (const entry of deadEntries(rule, deny)) at(rule, 'warning', 'dead_entry', `rule ${rule.name} lists ${entry}, which the deny list refuses (deny wins)`)
      const earlier = access.rules.slice(0, i).find((other) => covers(other, rule))
      if (earlier !== undefined) at(rule, 'warning', 'overlap', `rule ${rule.name} overlaps rule ${earlier.name}, which already allows everything it allows`)
    })
  }
  return findings
}

/**
 * The handler modules against the routes: a route whose module does not load or registers
 * nothing for its match fails at start (an error here too), and a registration no route
 * sends anything to never runs.
 */
export function lintHandlers(routes: readonly RouteConfig[], loaded: LoadedHandlers): LintFinding[] {
  const findings: LintFinding[] = loaded.problems.map((p) => ({ level: 'error', code: 'missing_handler', route: p.route, message: p.message }))
  for (const [path, registry] of loaded.registries) {
    const mine = routes.filter((r) => r.handler === path).map(matchOf)
    const owner = routes.find((r) => r.handler === path) as RouteConfig
    for (const [kind, id] of registry.registered()) {
      if (mine.some((m) => routesTo(m, kind, id))) continue
      findings.push({
        level: 'warning',
        code: 'unrouted_handler',
        route: owner.name,
        message: `${path} registers ${kind} ${id}, but no route with this handler matches it: it never runs (add a route, or remove it)`,
      })
    }
  }
  return findings
}

/**
 * Whether a route matching `m` may send requests to a registration of (kind, id): it names it,
 * or a pattern (or message) route of its kind may. A message event is found by its
 * subscription (`message.im`) before `event: message`, and by a message condition before both:
 * a message route reaches message conditions, `event: message` reaches each subscription, and
 * a subscription reaches `event: message`.
 */
function routesTo(m: RouteMatch, kind: MatchKind, id: string): boolean {
  if (m.kind === kind && (m.id === undefined || m.id === id)) return true
  if (m.kind !== 'event' || (m.id !== 'message' && !isMessageSubscription(m.id))) return false
  if (kind === 'message') return true
  return kind === 'event' && (m.id === 'message' ? isMessageSubscription(id) : id === 'message')
}

function neverMatches(rule: AccessRule, deny: DenyList, userGroups: Readonly<Record<string, readonly string[]>> | undefined): string[] {
  const out: string[] = []
  const ws = left(rule.workspaces, deny.workspaces)
  const ents = left(rule.enterprises, deny.enterprises)
  if ((rule.workspaces !== undefined || rule.enterprises !== undefined) && (ws ?? []).length === 0 && (ents ?? []).length === 0) {
    out.push('every workspace and enterprise it lists is denied')
  }
  if (rule.channels !== undefined) {
    const channels = (left(rule.channels, deny.channels) ?? []).filter((c) => !c.startsWith('D'))
    if (channels.length === 0 && !rule.allowDirectMessages) out.push('every channel it lists is denied or a DM (DMs are allowed by allowDirectMessages, not by id)')
  }
  if (rule.users !== undefined || rule.userGroups !== undefined) {
    const users = left(rule.users, deny.users) ?? []
    const groups = (rule.userGroups ?? []).filter((g) => !(deny.userGroups ?? []).includes(g))
    const members = userGroups === undefined ? undefined : groups.flatMap((g) => (userGroups[g] ?? []).filter((u) => !has(deny.users, u)))
    if (users.length === 0 && (groups.length === 0 || members?.length === 0)) out.push('no user it names is left once the deny list and the directory are applied')
  }
  if (rule.subjects !== undefined && (left(rule.subjects, deny.subjects) ?? []).length === 0) out.push('every subject it lists is denied')
  return out
}

function deadEntries(rule: AccessRule, deny: DenyList): string[] {
  const out: string[] = []
  for (const key of ['workspaces', 'enterprises', 'channels', 'users', 'subjects'] as const) {
    for (const id of rule[key] ?? []) if (has(deny[key], id)) out.push(id)
  }
  for (const g of rule.userGroups ?? []) if ((deny.userGroups ?? []).includes(g)) out.push(g)
  for (const c of rule.channels ?? []) if (c.startsWith('D')) out.push(`${c} (a DM: channel lists do not apply to DMs)`)
  return out
}

/** Whether `a` allows every request `b` allows (so `b`, listed after it, adds nothing). */
export function covers(a: AccessRule, b: AccessRule): boolean {
  const whereA = a.workspaces !== undefined || a.enterprises !== undefined
  const whereB = b.workspaces !== undefined || b.enterprises !== undefined
  if (whereA && (!whereB || !subset(b.workspaces, a.workspaces) || !subset(b.enterprises, a.enterprises))) return false
  if (a.channels !== undefined && (b.channels === undefined || !subset(b.channels, a.channels))) return false
  const whoA = a.users !== undefined || a.userGroups !== undefined
  const whoB = b.users !== undefined || b.userGroups !== undefined
  if (whoA && (!whoB || !subset(b.users, a.users) || !subset(b.userGroups, a.userGroups))) return false
  if (a.subjects !== undefined && (b.subjects === undefined || !subset(b.subjects, a.subjects))) return false
  if (a.scopes !== undefined && (b.scopes === undefined || !subset(a.scopes, b.scopes))) return false
  return (a.allowDirectMessages || !b.allowDirectMessages) && (a.allowSharedChannels || !b.allowSharedChannels)
}

// Every id of `inner` is in `outer`; an absent `inner` has none to check.
function subset(inner: Iterable<string> | undefined, outer: Iterable<string> | undefined): boolean {
  if (inner === undefined) return true
  const set = outer === undefined ? new Set<string>() : new Set(outer)
  for (const id of inner) if (!set.has(id)) return false
  return true
}

function left(list: ReadonlySet<string> | undefined, denied: ReadonlySet<string> | undefined): string[] | undefined {
  return list === undefined ? undefined : [...list].filter((id) => !has(denied, id))
}

function has(set: ReadonlySet<string> | undefined, id: string): boolean {
  return set !== undefined && set.has(id)
}

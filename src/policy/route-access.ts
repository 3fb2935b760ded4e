import type { AccessConfig, DenyConfig, RuleConfig } from '../config/access-schema.js'
import type { RouteConfig } from '../config/schema.js'

/** One rule, compiled: every list a Set, so a check costs the same with 10 ids or 100,000. */
export interface AccessRule {
  readonly name: string
  readonly workspaces?: ReadonlySet<string>
  readonly enterprises?: ReadonlySet<string>
  readonly channels?: ReadonlySet<string>
  readonly allowDirectMessages: boolean
  readonly allowSharedChannels: boolean
  readonly users?: ReadonlySet<string>
  readonly userGroups?: readonly string[]
  readonly subjects?: ReadonlySet<string>
  readonly scopes?: readonly string[]
}

export interface DenyList {
  readonly workspaces?: ReadonlySet<string>
  readonly enterprises?: ReadonlySet<string>
  readonly channels?: ReadonlySet<string>
  readonly users?: ReadonlySet<string>
  readonly userGroups?: readonly string[]
  readonly subjects?: ReadonlySet<string>
}

/** A route's policy, ready to decide on. */
export type RouteAccess =
  | { readonly public: true }
  | {
      readonly public: false
      readonly rules: readonly AccessRule[]
      readonly deny: DenyList | undefined
      /** Every user group any rule or the deny list names: what to ask the directory. */
      readonly groupIds: readonly string[]
    }

/** The name a public route's decisions carry. */
export const PUBLIC_RULE = 'public'
/** The name a decision made by a route's deny list carries. */
export const DENY_RULE = 'deny'

export function compileRouteAccess(route: Pick<RouteConfig, 'access' | 'public'>): RouteAccess {
  if (route.access === undefined) {
    // The config schema refuses this combination; a route built in code gets the same answer.
    if (route.public !== true) throw new Error('a route without access rules must say public: true')
    return { public: true }
  }
  return compileAccess(route.access)
}

export function compileAccess(access: AccessConfig): RouteAccess {
  const rules = access.rules.map(compileRule)
  const deny = access.deny === undefined ? undefined : compileDeny(access.deny)
  const groupIds = new Set([...rules.flatMap((r) => r.userGroups ?? []), ...(deny?.userGroups ?? [])])
  return { public: false, rules, deny, groupIds: [...groupIds] }
}

// Every key present (undefined when the config leaves a list out): one shape per kind of
// object, so the checks on the ack path read monomorphic properties.
function compileRule(rule: RuleConfig): AccessRule {
  return {
    name: rule.name,
    workspaces: set(rule.workspaces),
    enterprises: set(rule.enterprises),
    channels: set(rule.channels),
    allowDirectMessages: rule.allowDirectMessages,
    allowSharedChannels: rule.allowSharedChannels,
    users: set(rule.users),
    userGroups: unique(rule.userGroups),
    subjects: set(rule.subjects),
    scopes: unique(rule.scopes),
  }
}

function compileDeny(deny: DenyConfig): DenyList {
  return {
    workspaces: set(deny.workspaces),
    enterprises: set(deny.enterprises),
    channels: set(deny.channels),
    users: set(deny.users),
    userGroups: unique(deny.userGroups),
    subjects: set(deny.subjects),
  }
}

function set(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return list === undefined ? undefined : new Set(list)
}

function unique(list: readonly string[] | undefined): readonly string[] | undefined {
  return list === undefined ? undefined : [...new Set(list)]
}

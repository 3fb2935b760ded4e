import type { AccessRequest } from './access-request.js'
import type { Membership } from './directory.js'
import type { PolicyCode } from './errors.js'
import { DENY_RULE, PUBLIC_RULE, type AccessRule, type DenyList, type RouteAccess } from './route-access.js'

/** A policy's answer, always with the rule that gave it: for the log and the audit record. */
export type Decision =
  | { readonly allow: true; readonly rule: string }
  | { readonly allow: false; readonly reason: PolicyCode; readonly rule: string }

/**
 * Who may run a route, where. Pure: the request's facts, the route's compiled policy and a
 * snapshot of group membership in, a decision out.
 *
 * The deny list is checked first and wins over every rule. Then the rules in order: the
 * first that matches allows. When none does, the answer is the first rule's reason, except
 * that a rule which could not be checked (`directory_unavailable`) is reported over a plain
 * mismatch: the request may well have been allowed, and the person should try again.
 *
 * @example
 * decide({ teamId: 'T1', channelId: 'C1', userId: 'U1', directMessage: false, sharedChannel: false }, access, membership)
 * // { allow: true, rule: 'deployers' }
 */
export function decide(request: AccessRequest, access: RouteAccess, membership: Membership): Decision {
  if (access.public) return { allow: true, rule: PUBLIC_RULE }
  if (access.deny !== undefined) {
    const denied = checkDeny(request, access.deny, membership)
    if (denied !== undefined) return { allow: false, reason: denied, rule: DENY_RULE }
  }
  let refusal: Decision | undefined
  for (const rule of access.rules) {
    const decision = decideRule(request, rule, membership)
    if (decision.allow) return decision
    if (refusal === undefined || (decision.reason === 'directory_unavailable' && refusal.allow === false && refusal.reason !== 'directory_unavailable')) {
      refusal = decision
    }
  }
  // A compiled policy has at least one rule; an empty one still refuses.
  return refusal ?? { allow: false, reason: 'user_not_allowed', rule: DENY_RULE }
}

/**
 * One rule, checked in a fixed order: where (workspace or enterprise), shared channels,
 * the channel or DM, who (user or group member), then a token's subject and scopes.
 */
export function decideRule(request: AccessRequest, rule: AccessRule, membership: Membership): Decision {
  const reason =
    checkWhere(request, rule) ??
    checkShared(request, rule) ??
    checkChannel(request, rule) ??
    checkWho(request, rule, membership) ??
    checkToken(request, rule)
  return reason === undefined ? { allow: true, rule: rule.name } : { allow: false, reason, rule: rule.name }
}

/** The first deny-list entry the request matches, if any. An unknown group membership denies. */
export function checkDeny(request: AccessRequest, deny: DenyList, membership: Membership): PolicyCode | undefined {
  if (has(deny.workspaces, request.teamId) || has(deny.workspaces, request.userTeamId)) return 'workspace_denied'
  if (has(deny.enterprises, request.enterpriseId)) return 'enterprise_denied'
  if (has(deny.channels, request.channelId)) return 'channel_denied'
  if (has(deny.users, request.userId)) return 'user_denied'
  if (has(deny.subjects, request.subject)) return 'subject_denied'
  if (deny.userGroups !== undefined && request.userId !== undefined) {
    const member = inAnyGroup(deny.userGroups, request.userId, membership)
    // Not knowing whether someone is in a denied group is not knowing they may run this.
    if (member === undefined) return 'directory_unavailable'
    if (member) return 'user_group_denied'
  }
  return undefined
}

function checkWhere(request: AccessRequest, rule: AccessRule): PolicyCode | undefined {
  if (rule.workspaces === undefined && rule.enterprises === undefined) return undefined
  if (has(rule.workspaces, request.teamId) || has(rule.enterprises, request.enterpriseId)) return undefined
  return rule.workspaces !== undefined ? 'workspace_not_allowed' : 'enterprise_not_allowed'
}

// Slack Connect: the channel is flagged as shared with another organisation, or the acting
// user's own workspace is not the request's and not one the rule lists.
function checkShared(request: AccessRequest, rule: AccessRule): PolicyCode | undefined {
  if (rule.allowSharedChannels) return undefined
  const { userTeamId, teamId } = request
  const foreignUser = userTeamId !== undefined && userTeamId !== teamId && !has(rule.workspaces, userTeamId)
  return request.sharedChannel || foreignUser ? 'shared_channel_not_allowed' : undefined
}

function checkChannel(request: AccessRequest, rule: AccessRule): PolicyCode | undefined {
  if (request.directMessage) {
    if (rule.allowDirectMessages) return undefined
    // Only a rule that names the conversation itself takes an unlabelled G id as a channel.
    return request.presumedDirectMessage === true && has(rule.channels, request.channelId) ? undefined : 'direct_message_not_allowed'
  }
  if (rule.channels === undefined) return undefined
  return has(rule.channels, request.channelId) ? undefined : 'channel_not_allowed'
}

function checkWho(request: AccessRequest, rule: AccessRule, membership: Membership): PolicyCode | undefined {
  if (rule.users === undefined && rule.userGroups === undefined) return undefined
  const { userId } = request
  if (userId === undefined) return 'user_not_allowed'
  if (has(rule.users, userId)) return undefined
  if (rule.userGroups === undefined) return 'user_not_allowed'
  const member = inAnyGroup(rule.userGroups, userId, membership)
  if (member === undefined) return 'directory_unavailable'
  return member ? undefined : 'user_not_allowed'
}

function checkToken(request: AccessRequest, rule: AccessRule): PolicyCode | undefined {
  if (rule.subjects !== undefined && !has(rule.subjects, request.subject)) return 'subject_not_allowed'
  if (rule.scopes !== undefined) {
    const granted = request.scopes ?? []
    if (!rule.scopes.every((s) => granted.includes(s))) return 'scope_not_granted'
  }
  return undefined
}

// Yes if any group says yes; unknown if none does and one could not say.
function inAnyGroup(groups: readonly string[], userId: string, membership: Membership): boolean | undefined {
  let unknown = false
  for (const group of groups) {
    const member = membership.isMember(group, userId)
    if (member === true) return true
    if (member === undefined) unknown = true
  }
  return unknown ? undefined : false
}

function has(set: ReadonlySet<string> | undefined, value: string | undefined): boolean {
  return set !== undefined && value !== undefined && set.has(value)
}

import type { RouteConfig } from '../config/schema.js'
import type { MatchKind, PatternKind } from '../slack/match-keys.js'
import type { MessageCondition } from '../slack/matcher.js'

/** A route's match, read: an exact id, a pattern of an id, or a message condition. */
export type RouteMatch =
  | { readonly kind: Exclude<MatchKind, 'message'>; readonly id: string; readonly pattern?: undefined }
  | { readonly kind: Exclude<PatternKind, 'message'>; readonly id?: undefined; readonly pattern: RegExp }
  | { readonly kind: 'message'; readonly condition: MessageCondition; readonly pattern?: undefined; readonly id?: undefined }

/** A route's match, which the schema requires to name exactly one kind. */
export function matchOf(route: RouteConfig): RouteMatch {
  const [kind, value] = Object.entries(route.match).find(([, v]) => v !== undefined) as [MatchKind, unknown]
  if (kind === 'message') {
    if (typeof value === 'string') return { kind, condition: { text: value } }
    const { pattern, subtype } = value as { pattern?: string; subtype?: string }
    return { kind, condition: { ...(pattern !== undefined && { text: new RegExp(pattern) }), ...(subtype !== undefined && { subtype }) } }
  }
  if (typeof value === 'string') return { kind, id: value }
  return { kind: kind as Exclude<PatternKind, 'message'>, pattern: new RegExp((value as { pattern: string }).pattern) }
}

/** How a route's match reads in messages: `action approve` or `action /^approve_/`. */
export function describeMatch(match: RouteMatch): string {
  if (match.kind === 'message') {
    const { text, subtype } = match.condition
    return ['message', text === undefined ? '' : String(text), subtype === undefined ? '' : `subtype ${subtype}`].filter((p) => p !== '').join(' ')
  }
  return `${match.kind} ${match.id ?? String(match.pattern)}`
}

import type { AccessRequest } from './access-request.js'
import { checkDeny, decide, decideRule, type Decision } from './decide.js'
import type { Membership } from './directory.js'
import { DENY_RULE, PUBLIC_RULE, type RouteAccess } from './route-access.js'

/** How a decision came about: the deny list's answer, then each rule's, in order. */
export interface Explanation {
  readonly decision: Decision
  readonly steps: ReadonlyArray<{ readonly rule: string; readonly result: 'allow' | 'no match' | string }>
}

/** The decision `decide` makes, with every step that led to it; for `slackgate policy explain`. */
export function explain(request: AccessRequest, access: RouteAccess, membership: Membership): Explanation {
  const decision = decide(request, access, membership)
  if (access.public) return { decision, steps: [{ rule: PUBLIC_RULE, result: 'allow' }] }
  const steps: Array<Explanation['steps'][number]> = []
  if (access.deny !== undefined) steps.push({ rule: DENY_RULE, result: checkDeny(request, access.deny, membership) ?? 'no match' })
  for (const rule of access.rules) {
    const d = decideRule(request, rule, membership)
    steps.push({ rule: rule.name, result: d.allow ? 'allow' : d.reason })
  }
  return { decision, steps }
}

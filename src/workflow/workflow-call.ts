import type { SlackContext, SlackRequest } from '../slack/slack-request.js'
import type { HookRequest } from '../hooks/hook-request.js'
import type { JwtIdentity } from '../verify/jwt-bearer.js'

/**
 * A call to a workflow endpoint (`POST /workflows/<name>`), after its bearer token verified
 * and its body was decoded and validated. It runs through the same pipeline as Slack's
 * requests: dedupe, record, enqueue, deliver.
 */
export interface WorkflowCall {
  readonly kind: 'workflow'
  readonly source: 'workflows'
  /** The endpoint's name, as in the URL and the route's `match.workflow`. */
  readonly workflow: string
  /** Who called, from the verified token. */
  readonly identity: JwtIdentity
  /**
   * Where, when the token says so: its `team_id`, `enterprise_id`, `channel_id` and
   * `user_id` claims (strings only), for policy and the audit log.
   */
  readonly context: SlackContext
  /** The JSON object the caller posted, validated against the endpoint's schema if it has one. */
  readonly payload: Readonly<Record<string, unknown>>
}

/** Anything the pipeline admits: a Slack request, a workflow call, or a webhook. */
export type InboundRequest = SlackRequest | WorkflowCall | HookRequest

/** The Slack-shaped context a token's claims carry, if any. */
export function contextFromClaims(claims: Readonly<Record<string, unknown>>): SlackContext {
  const pick = (name: string) => (typeof claims[name] === 'string' && claims[name] !== '' ? (claims[name] as string) : undefined)
  const teamId = pick('team_id')
  const enterpriseId = pick('enterprise_id')
  const channelId = pick('channel_id')
  const userId = pick('user_id')
  return {
    ...(teamId !== undefined && { teamId }),
    ...(enterpriseId !== undefined && { enterpriseId }),
    ...(channelId !== undefined && { channelId }),
    ...(userId !== undefined && { userId }),
  }
}

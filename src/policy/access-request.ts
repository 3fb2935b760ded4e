import type { InboundRequest } from '../workflow/workflow-call.js'

/**
 * What a policy decides on: where and who, from the verified request. Everything here came
 * from a payload whose signature (or token) verified; nothing else is consulted.
 */
export interface AccessRequest {
  readonly teamId?: string
  readonly enterpriseId?: string
  readonly channelId?: string
  readonly userId?: string
  /** The acting user's own workspace, where Slack sends it. */
  readonly userTeamId?: string
  /** A DM or group DM; under `allowDirectMessages: false` a conversation of unsure kind counts as one. */
  readonly directMessage: boolean
  /**
   * The DM verdict rests only on a `G` id (a group DM, or a private channel created before
   * 2021): a rule that lists the id in `channels` takes it as that channel.
   */
  readonly presumedDirectMessage?: boolean
  /** Slack flagged the channel as shared with another organisation. */
  readonly sharedChannel: boolean
  /** A workflow call's token subject (`sub`) and granted scopes. */
  readonly subject?: string
  readonly scopes?: readonly string[]
}

// One object shape for every request (absent facts are undefined): on the ack path, a
// fixed shape keeps the policy's property reads monomorphic.
export function accessRequestOf(request: InboundRequest): AccessRequest {
  const c = request.context
  const identity = request.kind === 'workflow' ? request.identity : undefined
  return {
    teamId: c.teamId,
    enterpriseId: c.enterpriseId,
    channelId: c.channelId,
    userId: c.userId,
    userTeamId: c.userTeamId,
    directMessage: c.directMessage === true,
    presumedDirectMessage: c.presumedDirectMessage === true,
    sharedChannel: c.sharedChannel === true,
    subject: identity?.subject,
    scopes: identity?.scopes,
  }
}

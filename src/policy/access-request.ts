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
  readonly directMessage: boolean
  /** Slack flagged the channel as shared with another organisation. */
  readonly sharedChannel: boolean
  /** A workflow call's token subject (`sub`) and granted scopes. */
  readonly subject?: string
  readonly scopes?: readonly string[]
}

export function accessRequestOf(request: InboundRequest): AccessRequest {
  const c = request.context
  const base = {
    ...(c.teamId !== undefined && { teamId: c.teamId }),
    ...(c.enterpriseId !== undefined && { enterpriseId: c.enterpriseId }),
    ...(c.channelId !== undefined && { channelId: c.channelId }),
    ...(c.userId !== undefined && { userId: c.userId }),
    ...(c.userTeamId !== undefined && { userTeamId: c.userTeamId }),
    directMessage: c.directMessage === true,
    sharedChannel: c.sharedChannel === true,
  }
  if (request.kind !== 'workflow') return base
  const { subject, scopes } = request.identity
  return { ...base, ...(subject !== undefined && { subject }), scopes }
}

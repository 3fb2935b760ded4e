/**
 * Why the access policy refused a request. Part of the wire contract: a denied workflow call
 * answers 403 `{"error":"forbidden","reason":"<code>"}`; a denied Slack request is logged
 * with the code (the person in Slack sees a plain message, never the code or the rule).
 * The `*_denied` codes come from a route's deny list, which wins over every rule; the
 * `*_not_allowed` codes from rules that did not match. Never renamed or reused.
 */
export const POLICY_CODES = [
  'workspace_not_allowed',
  'enterprise_not_allowed',
  'shared_channel_not_allowed',
  'direct_message_not_allowed',
  'channel_not_allowed',
  'user_not_allowed',
  'subject_not_allowed',
  'scope_not_granted',
  'workspace_denied',
  'enterprise_denied',
  'channel_denied',
  'user_denied',
  'user_group_denied',
  'subject_denied',
  'directory_unavailable',
] as const

export type PolicyCode = (typeof POLICY_CODES)[number]

/** What a payload says about its conversation; every field as Slack sent it, if it did. */
export interface ConversationFacts {
  readonly id?: string | undefined
  /** `channel_name` (commands) or `channel.name` (interactions, some events). */
  readonly name?: string | undefined
  /** `channel_type` (message events: `im`, `mpim`, `app_home`, `channel`, `group`; member events: `C`, `G`). */
  readonly type?: string | undefined
  readonly isIm?: boolean | undefined
  readonly isMpim?: boolean | undefined
}

/**
 * `direct`: Slack marks a DM or group DM. `presumed-direct`: a `G` conversation that Slack
 * does not label, which is a group DM or a private channel of the old kind; the policy
 * treats it as a DM unless the rule names it in `channels`. `channel`: anything else with
 * a channel. `undefined`: no conversation (a global shortcut, a modal, a workflow call).
 */
export type ConversationKind = 'direct' | 'presumed-direct' | 'channel' | undefined

// https://api.slack.com/changelog/2018-05-app-home-events-for-workspace-apps: `im` a DM,
// `mpim` a group DM, `app_home` an app's Messages tab (a DM); `channel` and `group` are channels.
const DIRECT_TYPES: ReadonlySet<string> = new Set(['im', 'mpim', 'app_home'])

// Slack's own words for a conversation the name of which it does not give: a DM, a group DM
// (`mpdm-alice--bob--carol-1`) or a private channel the app cannot see (`privategroup`).
// https://api.slack.com/interactivity/slash-commands#app_command_handling
const UNNAMED: ReadonlySet<string> = new Set(['directmessage', 'privategroup'])

/**
 * Tells a DM or group DM from a channel, from the payload alone. Slack marks a DM in one of
 * several ways depending on the payload, and some payloads (an `app_mention`, a reaction)
 * carry only the conversation id, so the checks run strongest first:
 *
 * 1. `channel_type` `im`, `mpim` or `app_home` (message events), `is_im` or `is_mpim` (conversation
 *    objects), the channel name `directmessage` or `mpdm-…` (commands, interactions): direct.
 * 2. A `D` id: direct (ids of DMs begin with D, whatever the payload).
 * 3. `channel_type` `channel` or `group` (public or private channel, message events): channel.
 * 4. A `G` id (group DMs, and private channels created before 2021): a channel only when the
 *    payload names it (a command or interaction in a private channel the app is in); else
 *    presumed direct: refused under `allowDirectMessages: false` unless a rule lists the id.
 * 5. Any other id (`C…`): channel.
 *
 * Limits: a group DM with a `C` id that reaches the gateway as an event without
 * `channel_type` (an `app_mention`, `reaction_added`) cannot be told from a channel by its
 * payload; a rule that lists `channels` is the control that holds there.
 *
 * @example
 * conversationKind({ id: 'G0123', type: undefined }) // 'presumed-direct'
 */
export function conversationKind(facts: ConversationFacts): ConversationKind {
  const { id, name, type } = facts
  if (DIRECT_TYPES.has(type ?? '') || facts.isIm === true || facts.isMpim === true) return 'direct'
  if (name === 'directmessage' || name?.startsWith('mpdm-') === true) return 'direct'
  if (id?.startsWith('D') === true) return 'direct'
  if (type === 'channel' || type === 'group') return 'channel'
  if (id?.startsWith('G') === true) return name !== undefined && name !== '' && !UNNAMED.has(name) ? 'channel' : 'presumed-direct'
  return id === undefined ? undefined : 'channel'
}

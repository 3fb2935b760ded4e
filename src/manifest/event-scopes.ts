import { MESSAGE_SUBSCRIPTIONS } from '../slack/message-subscriptions.js'

/**
 * The bot scopes Slack requires before an app may subscribe to an event, from each event's
 * "Required scopes" in Slack's reference (https://docs.slack.dev/reference/events). A list
 * names alternatives: any one of them will do (`member_joined_channel` arrives for public
 * channels with `channels:read`, for private ones with `groups:read`). An empty list: the
 * event needs no scope. Events that are not here are written to the manifest as they are,
 * and the `manifest` command says it cannot tell their scope.
 */
const EVENT_SCOPES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['app_home_opened', []],
  ['app_mention', ['app_mentions:read']],
  ['app_rate_limited', []],
  ['app_uninstalled', []],
  ['assistant_thread_context_changed', ['assistant:write']],
  ['assistant_thread_started', ['assistant:write']],
  ['channel_archive', ['channels:read']],
  ['channel_created', ['channels:read']],
  ['channel_deleted', ['channels:read']],
  ['channel_history_changed', ['channels:history']],
  ['channel_id_changed', ['channels:read']],
  ['channel_left', ['channels:read']],
  ['channel_rename', ['channels:read']],
  ['channel_shared', ['channels:read']],
  ['channel_unarchive', ['channels:read']],
  ['channel_unshared', ['channels:read']],
  ['dnd_updated_user', ['dnd:read']],
  ['email_domain_changed', ['team:read']],
  ['emoji_changed', ['emoji:read']],
  ['file_change', ['files:read']],
  ['file_created', ['files:read']],
  ['file_deleted', ['files:read']],
  ['file_public', ['files:read']],
  ['file_shared', ['files:read']],
  ['file_unshared', ['files:read']],
  ['function_executed', []],
  ['group_archive', ['groups:read']],
  ['group_close', ['groups:read']],
  ['group_deleted', ['groups:read']],
  ['group_history_changed', ['groups:history']],
  ['group_left', ['groups:read']],
  ['group_open', ['groups:read']],
  ['group_rename', ['groups:read']],
  ['group_unarchive', ['groups:read']],
  ['im_close', ['im:read']],
  ['im_created', ['im:read']],
  ['im_history_changed', ['im:history']],
  ['im_open', ['im:read']],
  ['link_shared', ['links:read']],
  ['member_joined_channel', ['channels:read', 'groups:read']],
  ['member_left_channel', ['channels:read', 'groups:read']],
  ['message_metadata_deleted', ['metadata.message:read']],
  ['message_metadata_posted', ['metadata.message:read']],
  ['message_metadata_updated', ['metadata.message:read']],
  ['pin_added', ['pins:read']],
  ['pin_removed', ['pins:read']],
  ['reaction_added', ['reactions:read']],
  ['reaction_removed', ['reactions:read']],
  ['shared_channel_invite_accepted', ['conversations.connect:read']],
  ['shared_channel_invite_approved', ['conversations.connect:read']],
  ['shared_channel_invite_declined', ['conversations.connect:read']],
  ['shared_channel_invite_received', ['conversations.connect:read']],
  ['star_added', ['stars:read']],
  ['star_removed', ['stars:read']],
  ['subteam_created', ['usergroups:read']],
  ['subteam_members_changed', ['usergroups:read']],
  ['subteam_self_added', ['usergroups:read']],
  ['subteam_self_removed', ['usergroups:read']],
  ['subteam_updated', ['usergroups:read']],
  ['team_domain_change', ['team:read']],
  ['team_join', ['users:read']],
  ['team_rename', ['team:read']],
  ['tokens_revoked', []],
  ['user_change', ['users:read']],
  ['user_huddle_changed', ['users:read']],
  ['user_profile_changed', ['users:read']],
  ['user_status_changed', ['users:read']],
])

/**
 * The scopes `event` needs, any one of them (`[]`: none); undefined when slackgate does not
 * know the event. `message.im` and the other message subscriptions need their history scope.
 *
 * @example
 * eventScopes('reaction_added') // ['reactions:read']
 * eventScopes('message.im')     // ['im:history']
 */
export function eventScopes(event: string): readonly string[] | undefined {
  const message = MESSAGE_SUBSCRIPTIONS.find((m) => m.subscription === event)
  return message === undefined ? EVENT_SCOPES.get(event) : [message.scope]
}

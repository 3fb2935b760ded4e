/**
 * Slack delivers every message event as type `message`; an app subscribes to it per kind of
 * conversation, each with its history scope, and the event's `channel_type` says which kind
 * it came from (https://docs.slack.dev/reference/events/message).
 */
export const MESSAGE_SUBSCRIPTIONS = [
  { subscription: 'message.channels', scope: 'channels:history', channelType: 'channel' },
  { subscription: 'message.groups', scope: 'groups:history', channelType: 'group' },
  { subscription: 'message.im', scope: 'im:history', channelType: 'im' },
  { subscription: 'message.mpim', scope: 'mpim:history', channelType: 'mpim' },
  { subscription: 'message.app_home', scope: 'im:history', channelType: 'app_home' },
] as const

/** What `event: message` (and a `message` route) subscribes to: the four kinds of conversation. App Home messages are subscribed to by name. */
export const ALL_MESSAGE_SUBSCRIPTIONS = MESSAGE_SUBSCRIPTIONS.filter((m) => m.channelType !== 'app_home')

/** The message subscription (`message.im`) of a message event's `channel_type`, if it names one. */
export function messageSubscriptionOf(channelType: unknown): string | undefined {
  return MESSAGE_SUBSCRIPTIONS.find((m) => m.channelType === channelType)?.subscription
}

/** Whether `type` names a message subscription (`message.im`) rather than an event type. */
export function isMessageSubscription(type: string | undefined): boolean {
  return MESSAGE_SUBSCRIPTIONS.some((m) => m.subscription === type)
}

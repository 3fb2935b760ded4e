import type { SlackRequest } from './slack-request.js'

// Someone joining or leaving a channel the app is in is news even when it is the app itself
// (Bolt's ignoreSelf keeps these too).
const KEPT = new Set(['member_joined_channel', 'member_left_channel'])

/**
 * Whether an event is the app's own doing: a message the app posted (its `app_id` is the
 * envelope's `api_app_id`), or an event whose `user` is the app's bot user (the envelope's
 * `authorizations` entry marked `is_bot`). A route that answers messages would otherwise see
 * its own answer, and answer that: a loop Bolt's `ignoreSelf` prevents the same way.
 * Joins and leaves are kept.
 *
 * @example
 * isOwnEvent(messageTheAppPosted) // true
 */
export function isOwnEvent(request: SlackRequest): boolean {
  if (request.kind !== 'event' || KEPT.has(request.type)) return false
  const event = request.payload.event
  if (typeof event !== 'object' || event === null) return false
  const { app_id: appId, user } = event as { app_id?: unknown; user?: unknown }
  if (request.apiAppId !== undefined && appId === request.apiAppId) return true
  if (typeof user !== 'string') return false
  const authorizations = request.payload.authorizations
  return Array.isArray(authorizations) && authorizations.some((a: unknown) => isBotUser(a, user))
}

function isBotUser(authorization: unknown, user: string): boolean {
  if (typeof authorization !== 'object' || authorization === null) return false
  const { is_bot: isBot, user_id: userId } = authorization as { is_bot?: unknown; user_id?: unknown }
  return isBot === true && userId === user
}

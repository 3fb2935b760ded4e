import type { SlackContext } from '../slack/slack-request.js'

/**
 * A webhook from another system (`POST /hooks/<source>`), after its HMAC verified and its
 * body decoded. It runs through the same pipeline as Slack's requests.
 */
export interface HookRequest {
  readonly kind: 'hook'
  readonly source: 'hooks'
  /** The source's name, as in the URL and the route's `match.hook`. */
  readonly hook: string
  /** What happened, from signed content only: the body's `type` (for a Slack source, its event type, command or interaction kind). */
  readonly event?: string
  /** The delivery's id, from signed content only (`webhook-id`, Stripe's event id, a generic `{id}`, Slack's event_id or trigger_id). */
  readonly deliveryId?: string
  /**
   * Headers the sender's signature does not cover (GitHub's `x-github-event` and
   * `x-github-delivery`): anyone who captured one delivery can send it again with other
   * values here. Show them, log them; never decide on them.
   */
  readonly unsignedHeaders?: Readonly<Record<string, string>>
  /** A Slack source's team, channel and user; other webhooks carry no Slack identity. */
  readonly context: SlackContext
  /** The JSON object (or form fields) the sender posted. */
  readonly payload: Readonly<Record<string, unknown>>
}

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
  /** What happened, where the sender says: GitHub's `X-GitHub-Event`, else the body's `type`. */
  readonly event?: string
  /** The delivery's id (`X-GitHub-Delivery`, `webhook-id`, Stripe's event id, the generic id header). */
  readonly deliveryId?: string
  /** Webhooks carry no Slack identity. */
  readonly context: SlackContext
  /** The JSON object (or form fields) the sender posted. */
  readonly payload: Readonly<Record<string, unknown>>
}

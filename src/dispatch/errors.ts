/**
 * Reason codes of routing and queueing. `unrouted` and `own_event` (the app's own event,
 * with `slack.ignoreSelf`) are answered 200 and recorded;
 * `queue_unavailable` and `queue_full` are 503 (fail closed: Slack retries, nothing is lost).
 */
export const DISPATCH_CODES = ['unrouted', 'own_event', 'queue_unavailable', 'queue_full'] as const

export type DispatchCode = (typeof DISPATCH_CODES)[number]

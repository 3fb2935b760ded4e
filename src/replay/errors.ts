/**
 * Reason codes of the replay defense. `duplicate` is answered 200 (Slack must stop
 * retrying) and never dispatched; `replay_store_unavailable` is 503 (fail closed).
 */
export const REPLAY_CODES = ['duplicate', 'replay_store_unavailable'] as const

export type ReplayCode = (typeof REPLAY_CODES)[number]

/**
 * Reason codes of the replay defense. `duplicate` is answered 200 (Slack must stop
 * retrying) and never dispatched; `replay_store_unavailable` and `replay_store_full` are
 * 503 (fail closed).
 */
export const REPLAY_CODES = ['duplicate', 'replay_store_unavailable', 'replay_store_full'] as const

export type ReplayCode = (typeof REPLAY_CODES)[number]

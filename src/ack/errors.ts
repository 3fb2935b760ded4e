/**
 * Reason codes of answers in the ack (docs/reason-codes.md). The first three say, in a
 * request's audit record and log line (verdict `answered`), why the gateway sent the fallback
 * instead of the handler's answer; `answer_store_unavailable` is the 503 of a duplicate whose
 * kept answer cannot be read.
 */
export const ACK_CODES = ['ack_late', 'ack_failed', 'ack_invalid', 'answer_store_unavailable'] as const

export type AckCode = (typeof ACK_CODES)[number]

/**
 * Reason codes for a body that was authentic but could not be understood (400).
 * Stable: never renamed or reused.
 */
export const DECODE_CODES = ['malformed_body', 'invalid_payload'] as const

export type DecodeCode = (typeof DECODE_CODES)[number]

import { parseFormBody, parseJsonBody, type ParseResult } from '../slack/parse-body.js'

/**
 * Parses a body that has already been verified, by its media type: JSON to a value,
 * a form to a record of strings, anything else left as the raw bytes.
 */
export function parseVerifiedBody(contentType: string | undefined, raw: Buffer): ParseResult<unknown> {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase()
  if (type === 'application/json') return parseJsonBody(raw)
  if (type === 'application/x-www-form-urlencoded') return parseFormBody(raw)
  return { ok: true, value: raw }
}

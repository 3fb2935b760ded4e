/**
 * Reason codes the HTTP layer itself answers with, before or around the pipeline.
 * Stable: never renamed or reused.
 */
export const HTTP_CODES = [
  'not_found',
  'body_too_large',
  'unsupported_media_type',
  'invalid_content_length',
  'headers_too_large',
  'bad_request',
  'internal_error',
  'forbidden',
  'request_timeout',
  'too_many_connections',
] as const

export type HttpCode = (typeof HTTP_CODES)[number]

export interface MappedError {
  readonly status: number
  readonly code: HttpCode
}

// Fastify's own error codes for body handling, mapped to ours.
// https://fastify.dev/docs/latest/Reference/Errors/
const FASTIFY_ERRORS = new Map<string, MappedError>([
  ['FST_ERR_CTP_BODY_TOO_LARGE', { status: 413, code: 'body_too_large' }],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', { status: 415, code: 'unsupported_media_type' }],
  ['FST_ERR_CTP_INVALID_TYPE', { status: 415, code: 'unsupported_media_type' }],
  ['FST_ERR_CTP_EMPTY_TYPE', { status: 415, code: 'unsupported_media_type' }],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', { status: 400, code: 'invalid_content_length' }],
])

/** Maps any error raised while handling a request to a status and code; unknown errors are 500. */
export function mapError(err: unknown): MappedError {
  const e = err as { code?: unknown; statusCode?: unknown }
  const known = typeof e?.code === 'string' ? FASTIFY_ERRORS.get(e.code) : undefined
  if (known !== undefined) return known
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, code: 'bad_request' }
  }
  return { status: 500, code: 'internal_error' }
}

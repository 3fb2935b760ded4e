/**
 * How long to wait before sending a rate-limited call again, from its 429's `Retry-After`
 * (delay-seconds, RFC 9110 §10.2.3; Slack sends whole seconds): undefined when the header is
 * missing or malformed, or asks for longer than `maxSeconds`. Then the call fails, and the
 * job that made it is retried later with its route's backoff.
 *
 * @example
 * retryAfterMs('3', 60) // 3000
 * retryAfterMs('600', 60) // undefined
 */
export function retryAfterMs(header: string | null | undefined, maxSeconds: number): number | undefined {
  if (header === null || header === undefined || !/^\s*\d{1,6}\s*$/.test(header)) return undefined
  const seconds = Number(header)
  return seconds > maxSeconds ? undefined : seconds * 1000
}

/**
 * A header as it arrived: absent, once, or several times. A header sent more than once
 * is never merged or picked from: verifiers reject it as `duplicate_header`.
 */
export type HeaderValue = string | readonly string[] | undefined

/**
 * Reads one header from Node's `rawHeaders` (name/value pairs as received), keeping
 * repeats visible. `IncomingMessage.headers` joins repeats with ", ", which would hide them.
 * `name` must be lowercase.
 */
export function rawHeaderValue(rawHeaders: readonly string[], name: string): HeaderValue {
  let found: string | undefined
  let repeats: string[] | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i] as string
    if (key.length !== name.length || key.toLowerCase() !== name) continue
    const value = rawHeaders[i + 1] as string
    if (found === undefined) found = value
    else (repeats ??= [found]).push(value)
  }
  return repeats ?? found
}

/**
 * Reads one header from a fetch `Headers`, where repeats arrive joined by ", ".
 * Neither Slack header can contain a comma, so a comma means the header was repeated.
 */
export function joinedHeaderValue(headers: { get(name: string): string | null }, name: string): HeaderValue {
  const value = headers.get(name)
  if (value === null) return undefined
  return value.includes(',') ? value.split(',').map((v) => v.trim()) : value
}

/** A request as `sign` prints it and `verify` reads it back. */
export interface CapturedRequest {
  readonly method: string
  readonly path: string
  /** Header names in lowercase; a header sent several times keeps every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>
  readonly body: Buffer
}

export interface SignedRequest {
  readonly url: URL
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: string
}

/** A curl command that sends the request byte for byte (`--data-binary`, no trailing newline). */
export function toCurl(req: SignedRequest): string {
  const parts = ['curl', '-sS', '-i', '-X', 'POST', shellQuote(req.url.toString())]
  for (const [name, value] of req.headers) parts.push('-H', shellQuote(`${name}: ${value}`))
  parts.push('--data-binary', shellQuote(req.body))
  return parts.join(' ')
}

/** The raw HTTP/1.1 message; `slackgate verify --request` reads it back. */
export function toHttpMessage(req: SignedRequest): string {
  const lines = [`POST ${req.url.pathname}${req.url.search} HTTP/1.1`, `Host: ${req.url.host}`]
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`)
  lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`)
  return `${lines.join('\r\n')}\r\n\r\n${req.body}`
}

export function toJson(req: SignedRequest): string {
  return JSON.stringify({ method: 'POST', url: req.url.toString(), headers: Object.fromEntries(req.headers), body: req.body })
}

/**
 * Parses a captured HTTP/1.1 request (CRLF or LF line ends). The body is every byte after
 * the blank line, trimmed to Content-Length when one is given.
 */
export function parseHttpMessage(raw: Buffer): CapturedRequest {
  let split = raw.indexOf('\r\n\r\n')
  let gap = 4
  if (split === -1) {
    split = raw.indexOf('\n\n')
    gap = 2
  }
  if (split === -1) throw new Error('not an HTTP request: no blank line between headers and body')
  const [requestLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split(/\r?\n/)
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine.trim())
  if (match === null) throw new Error('not an HTTP request: bad request line')
  const headers = new Map<string, string[]>()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new Error(`bad header line: ${line.slice(0, 40)}`)
    const name = line.slice(0, colon).trim().toLowerCase()
    const values = headers.get(name) ?? []
    values.push(line.slice(colon + 1).trim())
    headers.set(name, values)
  }
  let body = raw.subarray(split + gap)
  const length = headers.get('content-length')?.[0]
  if (length !== undefined && /^[0-9]+$/.test(length) && Number(length) < body.length) body = body.subarray(0, Number(length))
  return { method: match[1] as string, path: match[2] as string, headers, body: Buffer.from(body) }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

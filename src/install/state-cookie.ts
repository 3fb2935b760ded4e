/**
 * The cookie that binds an install's state to the browser that began it. `__Host-` (the
 * default name) makes the browser refuse it unless it is Secure, has Path=/ and no Domain, so
 * no sibling subdomain can plant one (cookie tossing, which would let an attacker bind their
 * own state to a victim's browser). SameSite=Lax: Slack's redirect back is a top-level GET,
 * which carries it; a cross-site subrequest does not.
 */
export function stateCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; Secure; HttpOnly; SameSite=Lax`
}

/** Deletes the cookie: sent with every answer of the callback, whatever it is. */
export function clearedStateCookie(name: string): string {
  return `${name}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`
}

/**
 * The values of every cookie named `name` in a `Cookie` header (or several), in order. A
 * browser sends two of one name when another path or domain set one: the caller refuses that.
 */
export function cookieValues(header: string | string[] | undefined, name: string): string[] {
  if (header === undefined) return []
  const values: string[] = []
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const pair of line.split(';')) {
      const eq = pair.indexOf('=')
      if (eq === -1) continue
      if (pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim())
    }
  }
  return values
}

import { z } from 'zod'

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '[::1]'])

/** Whether `url` stays on this machine: localhost, ::1 or 127.0.0.0/8. */
function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(url.hostname)
}

/**
 * An https URL, or http to a loopback address (a local fake or a sidecar proxy): what travels
 * there (a bot token, the keys a token is trusted by) must not cross a network in clear text.
 */
export function httpsOrLoopbackUrl(what: string) {
  return z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .refine((u) => {
      const url = new URL(u)
      return url.protocol === 'https:' || isLoopback(url)
    }, `${what} must be https (http only to 127.0.0.1, [::1] or localhost)`)
}

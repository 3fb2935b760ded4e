import { setTimeout as sleep } from 'node:timers/promises'
import type { FetchFunction } from '@slack/web-api'
import { retryAfterMs } from './retry-after.js'

/** A 429 is sent again at most this many times; then the call fails with Slack's rate-limit error. */
export const MAX_RATE_LIMIT_RETRIES = 3

export interface WebApiFetchOptions {
  readonly fetch: typeof fetch
  /** Each attempt's deadline. A call that times out may have run: it is not sent again. */
  readonly timeoutMs: number
  /** A 429 asking for a longer wait is not waited for: the call fails at once. */
  readonly maxRetryAfterSeconds: number
  /**
   * The bearer token, resolved when a call is made without one: the client of a handler is
   * bound to its request's installation without reading the vault until it calls Slack.
   */
  readonly token?: () => Promise<string>
  readonly wait?: (ms: number) => Promise<unknown>
}

/**
 * The transport of the gateway's WebClient. The client itself never retries (a call that
 * failed with a network error, a timeout or a 5xx may have posted, and Slack's default retry
 * policy would post it again); this transport sends a call again only after a 429, which
 * means Slack ran nothing, once its `Retry-After` has passed.
 */
export function webApiFetch(options: WebApiFetchOptions): FetchFunction {
  const wait = options.wait ?? sleep
  return async (url, init = {}) => {
    const headers = { ...init.headers }
    if (options.token !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      headers.Authorization = `Bearer ${await options.token()}`
    }
    for (let retries = 0; ; retries++) {
      const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(init.signal === undefined ? [] : [init.signal])])
      const res = await options.fetch(url, { ...init, headers, signal } as RequestInit)
      if (res.status !== 429 || retries >= MAX_RATE_LIMIT_RETRIES) return res
      const delay = retryAfterMs(res.headers.get('retry-after'), options.maxRetryAfterSeconds)
      if (delay === undefined) return res
      await res.body?.cancel()
      await wait(delay)
    }
  }
}

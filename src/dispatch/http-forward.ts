import type { DeliveryOutcome, Job } from './job.js'
import type { JobPayload } from './job-payload.js'

export interface ForwardTarget {
  readonly url: string
  readonly timeoutMs: number
  /** The `aud` of the gateway's token for this target; its URL's origin otherwise. */
  readonly audience?: string
}

/**
 * Extra headers for one forward, computed from the job and the exact body sent. This is the
 * seam where the gateway's own JWT (minted per delivery) is attached.
 */
export type ForwardHeaders = (job: Job, body: string, target: ForwardTarget) => Promise<Readonly<Record<string, string>>>

export interface HttpForwarderOptions {
  readonly fetch?: typeof fetch
  readonly userAgent?: string
  readonly headers?: ForwardHeaders
}

/** What an internal service receives: the job's identity and the verified, decoded request. */
export interface ForwardedRequest extends JobPayload {
  /** Stable across retries: receivers use it to recognise a redelivery. */
  readonly jobId: string
  readonly route: string
  readonly attempt: number
}

/**
 * Delivers a job to an internal service as `POST <url>` with a JSON body. 2xx is delivered;
 * 408, 425, 429, 5xx, timeouts and network errors are retried; any other status (including
 * a redirect, which is never followed) is a permanent failure. Nothing of the response body
 * is kept: it could hold anything.
 */
export function createHttpForwarder(options: HttpForwarderOptions = {}): (target: ForwardTarget, job: Job) => Promise<DeliveryOutcome> {
  const doFetch = options.fetch ?? fetch
  const userAgent = options.userAgent ?? 'slackgate'
  return async function forward(target, job) {
    const payload = job.payload as JobPayload
    const forwarded: ForwardedRequest = { jobId: job.id, route: job.route, attempt: job.attempt, ...payload }
    const body = JSON.stringify(forwarded)
    const extra = options.headers === undefined ? {} : await options.headers(job, body, target)
    let res: Response
    try {
      res = await doFetch(target.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(target.timeoutMs),
        headers: {
          ...extra,
          'content-type': 'application/json',
          'user-agent': userAgent,
          'x-slackgate-job-id': job.id,
          'x-slackgate-attempt': String(job.attempt),
          'x-slackgate-route': job.route,
        },
        body,
      })
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      return { ok: false, permanent: false, error: timedOut ? `timeout after ${target.timeoutMs} ms` : `network error: ${describe(err)}` }
    }
    await res.body?.cancel().catch(() => undefined)
    if (res.status >= 200 && res.status < 300) return { ok: true }
    const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500
    return { ok: false, permanent: !retryable, error: `HTTP ${res.status} from ${new URL(target.url).host}` }
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause
  if (cause?.code !== undefined) return cause.code
  return err instanceof Error ? err.name : 'unknown'
}

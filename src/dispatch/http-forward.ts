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

/** What an internal service receives: the job's identity and the verified, decoded request (never a step's token). */
export interface ForwardedRequest extends Omit<JobPayload, 'stepToken' | 'refusal'> {
  /** Stable across retries: receivers use it to recognise a redelivery. */
  readonly jobId: string
  readonly route: string
  readonly attempt: number
}

/** The most of a service's answer to a step that is read (`{"outputs": …}`). */
export const MAX_ANSWER_BYTES = 64 * 1024

/** A forward's outcome and, when asked for, the service's JSON answer (undefined for an empty one). */
export type Forwarded = DeliveryOutcome & { readonly answer?: unknown }

/**
 * Delivers a job to an internal service as `POST <url>` with a JSON body. 2xx is delivered;
 * 408, 425, 429, 5xx, timeouts and network errors are retried; any other status (including
 * a redirect, which is never followed) is a permanent failure. Nothing of the response body
 * is kept, unless `readAnswer` asks for it (a custom step's outputs): then a 2xx answer must
 * be empty or JSON of at most 64 KiB, or the delivery fails for good.
 */
export function createHttpForwarder(options: HttpForwarderOptions = {}): (target: ForwardTarget, job: Job, forwardOptions?: { readonly readAnswer?: boolean }) => Promise<Forwarded> {
  const doFetch = options.fetch ?? fetch
  const userAgent = options.userAgent ?? 'slackgate'
  return async function forward(target, job, forwardOptions) {
    // A step's sealed token and the gateway's own notes stay in the gateway.
    const { stepToken: _token, refusal: _refusal, ...payload } = job.payload as JobPayload
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
    if (res.status >= 200 && res.status < 300) {
      if (forwardOptions?.readAnswer !== true) {
        await res.body?.cancel().catch(() => undefined)
        return { ok: true }
      }
      return readAnswer(res, target)
    }
    await res.body?.cancel().catch(() => undefined)
    const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500
    return { ok: false, permanent: !retryable, error: `HTTP ${res.status} from ${new URL(target.url).host}` }
  }
}

async function readAnswer(res: Response, target: ForwardTarget): Promise<Forwarded> {
  const from = new URL(target.url).host
  let text: string
  try {
    text = await boundedText(res, MAX_ANSWER_BYTES)
  } catch (err) {
    const tooLarge = err instanceof RangeError
    return { ok: false, permanent: tooLarge, error: tooLarge ? `the answer from ${from} is over ${MAX_ANSWER_BYTES} bytes` : `network error reading the answer from ${from}` }
  }
  if (text.trim() === '') return { ok: true }
  try {
    return { ok: true, answer: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, permanent: true, error: `the answer from ${from} is not JSON` }
  }
}

// Reads at most `limit` bytes of a body; a RangeError past it (the rest is not read).
async function boundedText(res: Response, limit: number): Promise<string> {
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.byteLength
    if (size > limit) {
      await res.body.cancel().catch(() => undefined)
      throw new RangeError('answer too large')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause
  if (cause?.code !== undefined) return cause.code
  return err instanceof Error ? err.name : 'unknown'
}

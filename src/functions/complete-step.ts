import { setTimeout as sleep } from 'node:timers/promises'
import { retryDelayMs } from '../dispatch/backoff.js'
import { knownSecretScrubber } from '../redact/redact-secrets.js'
import { retryAfterMs } from '../slack-api/retry-after.js'
import type { StepErrorCode } from './errors.js'

/** How a step ends: with its outputs, or with an error message shown to the workflow's builder. */
export type StepCompletion = { readonly outputs: Readonly<Record<string, unknown>> } | { readonly error: string }

/**
 * What completing a step came to. `already_completed` is not an error: Slack answered
 * `execution_not_in_running_state`, so an earlier call (perhaps one whose answer was lost) or
 * another instance finished the step.
 */
export type CompletionResult =
  | { readonly status: 'completed' }
  | { readonly status: 'already_completed' }
  | { readonly status: 'failed'; readonly reason: Extract<StepErrorCode, 'step_completion_failed' | 'step_token_expired'>; readonly error: string }

export interface StepCompleterOptions {
  /** The Web API's base, like `https://slack.com/api` (config `slack.apiUrl`). */
  readonly apiUrl: string
  readonly fetch?: typeof fetch
  /** Each call's deadline, reading the answer included. */
  readonly timeoutMs: number
  /** Milliseconds since the epoch. */
  readonly now?: () => number
  readonly wait?: (ms: number) => Promise<unknown>
  /**
   * Told of each call that will be sent again, before the wait: while Slack keeps failing, a
   * step's completion holds its delivery slot until the token expires, and the log says why.
   * `problem` carries no token.
   */
  readonly onRetry?: (retry: CompletionRetry) => void
}

/** A completion call that failed for now and will be sent again. */
export interface CompletionRetry {
  readonly executionId: string
  readonly method: 'functions.completeSuccess' | 'functions.completeError'
  /** 1 for the first call. */
  readonly attempt: number
  readonly problem: string
  readonly delayMs: number
}

/** Completes step `executionId` with its token, trying until `deadline` (ms since the epoch: the token's expiry). */
export type StepCompleter = (executionId: string, token: string, completion: StepCompletion, deadline: number) => Promise<CompletionResult>

/**
 * The longest error text, in UTF-16 code units: the `error` sent to `functions.completeError`
 * and the `error` of a failed result. Longer text is cut, ending in `…`. Slack shows the
 * former to the workflow's builder; 480 stays under the 500 characters we allow it.
 */
export const MAX_STEP_ERROR_LENGTH = 480

/** What `functions.completeError` is sent when a step failed with an empty message. */
export const BLANK_STEP_ERROR = 'the step failed'

// Slack's errors that mean it ran nothing and may answer otherwise later: the common errors
// every Web API method lists (https://docs.slack.dev/reference/methods/functions.completeSuccess).
const RETRYABLE_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])
const TOKEN_ERRORS: ReadonlySet<string> = new Set(['token_expired', 'token_revoked', 'invalid_auth', 'not_authed', 'account_inactive'])
const BACKOFF = { baseDelayMs: 500, maxDelayMs: 10_000 }

type Attempt = { readonly result: CompletionResult } | { readonly retry: string; readonly delayMs?: number }

/**
 * The gateway's `functions.completeSuccess` / `functions.completeError` call. It is sent
 * again, until the token's expiry, after a network error, a timeout, a 5xx, a 429 (after its
 * Retry-After exactly) or one of Slack's transient errors; otherwise after a backoff from
 * 500 ms doubling to 10 s, with jitter. Sending again is safe: once a call has run, Slack
 * answers the next with `execution_not_in_running_state`, which is `already_completed`.
 * No attempt starts that could not end (`timeoutMs`) before the deadline. The token, and
 * anything credential-shaped Slack sends back, appears in no error text.
 *
 * @example
 * const complete = createStepCompleter({ apiUrl: 'https://slack.com/api', timeoutMs: 10_000 })
 * await complete('Fx123', token, { outputs: { ticket: 'OPS-7' } }, expiresAt) // { status: 'completed' }
 */
export function createStepCompleter(options: StepCompleterOptions): StepCompleter {
  const send = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const wait = options.wait ?? sleep
  const apiUrl = options.apiUrl.replace(/\/+$/, '')

  return async (executionId, token, completion, deadline) => {
    const scrub = knownSecretScrubber([token])
    const method = 'outputs' in completion ? 'functions.completeSuccess' : 'functions.completeError'
    const body = JSON.stringify(
      'outputs' in completion
        ? { function_execution_id: executionId, outputs: completion.outputs }
        : { function_execution_id: executionId, error: errorText(scrub(completion.error.trim() === '' ? BLANK_STEP_ERROR : completion.error)) },
    )
    const failed = (reason: 'step_completion_failed' | 'step_token_expired', text: string): CompletionResult => ({ status: 'failed', reason, error: errorText(scrub(text)) })
    const expired = (last: string | undefined) =>
      failed('step_token_expired', `the token of step ${executionId} expires before ${method} can ${last === undefined ? 'be sent' : `be sent again (last: ${last})`}`)

    const attempt = async (): Promise<Attempt> => {
      let res: Response
      let text: string
      try {
        res = await send(`${apiUrl}/${method}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        })
        text = await res.text()
      } catch (err) {
        return { retry: failureOf(err, options.timeoutMs) }
      }
      const answer = parsed(text)
      const slackError = typeof answer?.error === 'string' && answer.error !== '' ? answer.error : undefined
      const answered = `${slackError ?? 'no error code'}, HTTP ${res.status}`
      if (res.status === 429) {
        const delayMs = retryAfterMs(res.headers.get('retry-after'), Number.POSITIVE_INFINITY)
        return { retry: `${answered}, Retry-After ${delayMs === undefined ? 'missing' : `${delayMs / 1000} s`}`, ...(delayMs !== undefined && { delayMs }) }
      }
      if (res.status >= 500) return { retry: answered }
      if (res.status < 200 || res.status >= 300) return { result: failed('step_completion_failed', `Slack answered ${method} for step ${executionId} with ${answered}`) }
      if (answer?.ok === true) return { result: { status: 'completed' } }
      if (slackError === 'execution_not_in_running_state') return { result: { status: 'already_completed' } }
      if (slackError !== undefined && RETRYABLE_ERRORS.has(slackError)) return { retry: answered }
      const reason = slackError !== undefined && TOKEN_ERRORS.has(slackError) ? 'step_token_expired' : 'step_completion_failed'
      return { result: failed(reason, `Slack answered ${method} for step ${executionId} with ${answered}`) }
    }

    let last: string | undefined
    for (let tries = 1; ; tries++) {
      if (now() + options.timeoutMs > deadline) return expired(last)
      const outcome = await attempt()
      if ('result' in outcome) return outcome.result
      last = errorText(scrub(outcome.retry))
      const delay = outcome.delayMs ?? retryDelayMs(tries, BACKOFF)
      // Waiting only to find the next attempt could not end in time would hold the job for nothing.
      if (now() + delay + options.timeoutMs > deadline) return expired(last)
      options.onRetry?.({ executionId, method, attempt: tries, problem: last, delayMs: delay })
      await wait(delay)
    }
  }
}

/** A JSON object answer, or undefined (a proxy's HTML page, a cut body). */
function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Why a call got no answer: a timeout, or the network error's code. */
function failureOf(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined
  if (typeof cause?.code === 'string') return `network error ${cause.code}`
  return `network error: ${err instanceof Error ? err.message : String(err)}`
}

/** `text`, cut to `MAX_STEP_ERROR_LENGTH` without splitting a surrogate pair. */
function errorText(text: string): string {
  if (text.length <= MAX_STEP_ERROR_LENGTH) return text
  const cut = text.slice(0, MAX_STEP_ERROR_LENGTH - 1)
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`
}

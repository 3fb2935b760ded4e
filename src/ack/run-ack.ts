import type { AckContext, AckHandler } from '../dispatch/sdk.js'
import type { SlackRequest } from '../slack/slack-request.js'
import { validateAckAnswer, type AckKind } from './ack-answer.js'
import { fallbackAnswer } from './ack-fallback.js'
import type { AckCode } from './errors.js'

/** Why the gateway answered in the handler's place: it was late, it threw, or its answer would not do. */
export type AckFailure = Exclude<AckCode, 'answer_store_unavailable'>

/** What to send in the ack, and whether the handler's answer stands (the follow-up may run). */
export interface AckResult {
  /** The 200's JSON body; undefined for an empty 200. */
  readonly body: Record<string, unknown> | undefined
  /** Set when the fallback was sent instead of the handler's answer. */
  readonly failure?: AckFailure
  /** What went wrong, for the log and the audit record: a rule broken or an error's name, never a value. */
  readonly detail?: string
  /** The error the handler threw, for the log only (it may hold anything). */
  readonly error?: unknown
  /** The handler answered, validly, and not with a modal's `errors`: its follow-up may be queued. */
  readonly stands: boolean
}

export interface RunAckOptions {
  readonly ack: AckHandler<SlackRequest>
  /**
   * The handler's context, given the signal made here. Built, not spread: its `client` is a
   * getter that makes a WebClient only for a handler that uses it.
   */
  readonly context: (signal: AbortSignal) => AckContext<SlackRequest>
  readonly kind: AckKind
  readonly request: SlackRequest
  /** Milliseconds left until the route's deadline. */
  readonly remainingMs: number
  readonly fallbackMessage: string
}

const LATE = Symbol('late')

/**
 * Runs a route's ack handler against its deadline and decides what the ack says: the
 * handler's answer if it came in time and has the shape Slack documents for this kind of
 * request, else the fallback (see ack-fallback.ts) and why. A late handler is told by its
 * signal and left to finish on its own; what it returns then is dropped.
 *
 * @example
 * const { body, failure } = await runAck({ ack, context, kind: 'view_submission', request, remainingMs: 2400, fallbackMessage })
 */
export async function runAck(options: RunAckOptions): Promise<AckResult> {
  const { kind, request } = options
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('the ack deadline passed'))
      resolve(LATE)
    }, Math.max(0, options.remainingMs))
  })
  const fallback = (failure: AckFailure, detail: string, error?: unknown): AckResult => ({
    body: fallbackAnswer(request, options.fallbackMessage),
    failure,
    detail,
    ...(error !== undefined && { error }),
    stands: false,
  })
  let answered: unknown
  try {
    // Called inside the try: a handler that throws before its first await is a failure too.
    const running = Promise.resolve().then(() => options.ack(options.context(controller.signal)))
    // A rejection after the deadline is nobody's to handle: keep it from crashing the process.
    running.catch(() => undefined)
    answered = await Promise.race([running, late])
  } catch (err) {
    return fallback('ack_failed', err instanceof Error ? err.name : 'a non-Error was thrown', err)
  } finally {
    clearTimeout(timer)
  }
  if (answered === LATE) return fallback('ack_late', `no answer within ${options.remainingMs} ms`)
  const checked = validateAckAnswer(kind, answered)
  if (!checked.ok) return fallback('ack_invalid', checked.problem)
  return { body: checked.body, stands: checked.body?.response_action !== 'errors' }
}

/** A custom step's outputs, by output parameter name. */
export type StepOutputs = Readonly<Record<string, unknown>>

/**
 * How a step's handler or service wants the step finished: completed with outputs, failed
 * with a message the person sees, or kept open for an interaction from a message it posted.
 */
export type StepDecision =
  | { readonly kind: 'complete'; readonly outputs: StepOutputs }
  | { readonly kind: 'fail'; readonly error: string }
  | { readonly kind: 'keep_open' }

/** The ways a handler finishes its step; the gateway makes the call to Slack once the handler returns. */
export interface StepControls {
  /** Completes the step with these outputs (`functions.completeSuccess`). */
  complete(outputs?: StepOutputs): void
  /** Fails the step; Slack shows `error` to the person who ran the workflow (`functions.completeError`). */
  fail(error: string): void
  /**
   * Leaves the step open: a button in a message it posted completes it later (that action's
   * handler calls `complete` or `fail`). Nothing else finishes it: Slack times it out.
   */
  keepOpen(): void
}

/** A handler's controls, and what it decided (the last call wins). */
export interface StepSession extends StepControls {
  decision(): StepDecision | undefined
}

/** Controls that record a decision for the gateway to carry out. */
export function createStepSession(): StepSession {
  let decided: StepDecision | undefined
  return {
    complete(outputs = {}) {
      if (!isPlainObject(outputs)) throw new TypeError('complete() takes the outputs as an object, by output parameter name')
      decided = { kind: 'complete', outputs }
    },
    fail(error) {
      if (typeof error !== 'string' || error.trim() === '') throw new TypeError('fail() takes the message the person sees')
      decided = { kind: 'fail', error }
    },
    keepOpen() {
      decided = { kind: 'keep_open' }
    },
    decision: () => decided,
  }
}

/**
 * What a step's handler returned, once it did not call `complete`, `fail` or `keepOpen`: an
 * object is its outputs; nothing completes the step with no outputs. Anything else is a
 * mistake the handler made: undefined here, and the caller fails the step.
 */
export function decisionFromReturn(value: unknown): StepDecision | undefined {
  if (value === undefined) return { kind: 'complete', outputs: {} }
  return isPlainObject(value) ? { kind: 'complete', outputs: value } : undefined
}

/**
 * A forwarded service's answer to a step: `{"outputs": {...}}`, `{"error": "..."}` or
 * `{"keepOpen": true}`; an empty answer completes the step with no outputs. For an
 * interaction (`interaction: true`), an answer naming none of these finishes nothing.
 * Anything else is a `problem`.
 */
export function decisionFromAnswer(answer: unknown, interaction = false): { decision?: StepDecision; problem?: string } {
  if (answer === undefined) return interaction ? {} : { decision: { kind: 'complete', outputs: {} } }
  if (!isPlainObject(answer)) return { problem: 'the answer is not a JSON object' }
  const named = ['outputs', 'error', 'keepOpen'].filter((k) => Object.hasOwn(answer, k))
  if (named.length > 1) return { problem: `the answer names ${named.join(' and ')}: give one` }
  if (Object.hasOwn(answer, 'outputs')) {
    return isPlainObject(answer.outputs) ? { decision: { kind: 'complete', outputs: answer.outputs } } : { problem: '"outputs" is not an object' }
  }
  if (Object.hasOwn(answer, 'error')) {
    return typeof answer.error === 'string' && answer.error.trim() !== '' ? { decision: { kind: 'fail', error: answer.error } } : { problem: '"error" is not a non-empty string' }
  }
  if (Object.hasOwn(answer, 'keepOpen')) return answer.keepOpen === true ? { decision: { kind: 'keep_open' } } : { problem: '"keepOpen" is not true' }
  return interaction ? {} : { decision: { kind: 'complete', outputs: {} } }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Reason codes of custom steps (docs/reason-codes.md). `invalid_step_inputs` refuses a step
 * at ingress (acked 200, completed with an error); the others say why the gateway failed a
 * step, or could not complete it, in the audit log.
 */
export const STEP_CODES = ['invalid_step_inputs', 'step_token_unreadable', 'step_token_expired', 'step_completion_failed', 'invalid_step_outputs'] as const

export type StepCode = (typeof STEP_CODES)[number]
export type StepErrorCode = Exclude<StepCode, 'invalid_step_inputs'>

/** What the person sees when the gateway fails a step and its route says nothing else (`step.errorMessage`). */
export const DEFAULT_STEP_ERROR_MESSAGE = 'The step could not be completed. The app owner can find it in the gateway log.'

export class StepError extends Error {
  override readonly name = 'StepError'
  constructor(
    readonly code: StepErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

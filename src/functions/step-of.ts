import type { JobPayload } from '../dispatch/job-payload.js'

/** The custom step a job belongs to: its execution and callback id. */
export interface StepRef {
  readonly executionId: string
  /** Set for the step's own job (`function_executed`); an interaction's job has the step's execution id only. */
  readonly callbackId?: string
}

/**
 * The step a job's request belongs to: a `function_executed` event's, or, for an interaction
 * from a message or view the step posted, the one its `function_data` names (only with the
 * token that can finish it). Undefined for any other job.
 */
export function stepOf(payload: JobPayload): StepRef | undefined {
  const { request } = payload
  if (request.kind === 'function_executed') return { executionId: request.functionExecutionId, callbackId: request.callbackId }
  if (payload.stepToken === undefined || !('functionExecutionId' in request) || request.functionExecutionId === undefined) return undefined
  return { executionId: request.functionExecutionId }
}

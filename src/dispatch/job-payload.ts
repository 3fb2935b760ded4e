import type { SealedStepToken } from '../functions/step-token.js'

/** Why a step was refused, and what the person is told. */
export interface StepRefusal {
  readonly reason: string
  readonly message: string
}
import type { InboundRequest } from '../workflow/workflow-call.js'

/**
 * What a job carries to its handler or service: the verified, decoded request and where it
 * came from. Serialised as JSON in the queue.
 */
export interface JobPayload {
  /** The gateway's id of the inbound HTTP request, as in its log line. */
  readonly requestId: string
  /** Milliseconds since the epoch when the gateway received the request. */
  readonly receivedAt: number
  readonly request: InboundRequest
  /**
   * A custom step's token, sealed (see functions/step-token.ts): on a `function_executed`
   * job, and on an interaction from a message or view the step posted. Never forwarded,
   * logged or audited; gone with the job.
   */
  readonly stepToken?: SealedStepToken
  /**
   * A step refused at ingress (by policy, or inputs failing the route's `step.inputs`): its
   * job runs nothing and fails the step with `message`, so the workflow does not hang.
   */
  readonly refusal?: StepRefusal
}

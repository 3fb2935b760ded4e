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
}

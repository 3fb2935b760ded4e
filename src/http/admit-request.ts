import type { FastifyRequest } from 'fastify'
import { StoreUnavailableError, type Admission, type AdmitInput } from '../dispatch/admit.js'
import type { RouteDecision } from '../policy/authorize.js'
import type { RequestOutcome } from './outcome.js'

export interface AdmitRequestOptions {
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Starts the request's audit record (see http/audit-hook.ts). */
  readonly recordEarly: (request: FastifyRequest) => void
}

/** What an ingress route answers from: the admission, or the store that could not answer. */
export type AdmitOutcome = Admission | { readonly verdict: 'unavailable'; readonly reason: StoreUnavailableError['code'] }

/**
 * The admission stage as every ingress route runs it: dedupe, route and durably enqueue,
 * with the request's audit record started the moment its job is queued (so both commit in
 * one batch), and the request's outcome set for its log line and audit record. A store that
 * does not answer is an `unavailable` outcome: the route answers 503 (fail closed).
 */
export async function admitRequest(
  request: FastifyRequest,
  options: AdmitRequestOptions,
  input: Omit<AdmitInput, 'onAccepted' | 'requestId'>,
  about: {
    readonly kind: string
    readonly decision: RouteDecision | undefined
    readonly subject?: string
    /**
     * A custom step refused at ingress whose job only fails the step: recorded and logged
     * with this verdict and reason, not as accepted.
     */
    readonly refusal?: { readonly verdict: 'denied' | 'rejected' | 'unrouted'; readonly reason: string }
  },
): Promise<AdmitOutcome> {
  const base = { kind: about.kind, ...(about.subject !== undefined && { subject: about.subject }) }
  const rule = about.decision?.rule
  const accepted = about.refusal ?? { verdict: 'accepted' as const }
  let admission: Admission
  try {
    admission = await options.admit({
      ...input,
      requestId: request.id,
      onAccepted(queued) {
        request.outcome = { ...accepted, ...base, route: queued.route, rule, jobId: queued.jobId }
        options.recordEarly(request)
      },
    })
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err
    request.log.error({ err: err.cause, reason: err.code }, 'store unavailable')
    request.outcome = { verdict: 'rejected', reason: err.code, ...base }
    return { verdict: 'unavailable', reason: err.code }
  }
  request.outcome = outcomeOf(admission, base, rule, accepted)
  return admission
}

function outcomeOf(admission: Admission, base: { kind: string; subject?: string }, rule: string | undefined, accepted: Pick<RequestOutcome, 'verdict' | 'reason'>): RequestOutcome {
  switch (admission.verdict) {
    case 'accepted':
      return { ...accepted, ...base, route: admission.route, rule, jobId: admission.jobId }
    case 'duplicate':
      return { verdict: 'duplicate', reason: 'duplicate', ...base, ...(admission.route !== undefined && { route: admission.route }), rule }
    case 'unrouted':
      return { verdict: 'unrouted', reason: 'unrouted', ...base }
  }
}

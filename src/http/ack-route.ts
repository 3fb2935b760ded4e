import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AckPlan } from '../ack/ack-plan.js'
import type { AnswerStore, StoredAnswer } from '../ack/answer-store.js'
import { fallbackAnswer } from '../ack/ack-fallback.js'
import { runAck, type AckResult } from '../ack/run-ack.js'
import { StoreUnavailableError, type KeyClaims } from '../dispatch/admit.js'
import type { AckContext } from '../dispatch/sdk.js'
import type { RouteDecision } from '../policy/authorize.js'
import type { NonceKeys } from '../replay/nonce-keys.js'
import type { SlackRequest } from '../slack/slack-request.js'
import { admitRequest, type AdmitRequestOptions } from './admit-request.js'

/** What the ingress needs to answer in the ack. */
export interface AckAnswering {
  /** The ack plan of a request allowed to its route, if that route answers in the ack. */
  readonly plan: (request: SlackRequest, route: string) => AckPlan | undefined
  readonly answers: AnswerStore
  readonly claims: KeyClaims
  /** The handler's context: the request, Bolt's names for its parts, a client and a logger. */
  readonly context: (request: SlackRequest, log: FastifyRequest['log'], signal: AbortSignal) => AckContext<SlackRequest>
  readonly ttlSeconds: number
}

export interface AckRouteInput {
  readonly slack: SlackRequest
  readonly keys: NonceKeys
  readonly receivedAt: number
  readonly decision: RouteDecision
  readonly plan: AckPlan
}

/** How often a duplicate looks for the first request's answer while that one is still running. */
const ANSWER_POLL_MS = 25

/**
 * A request whose route answers in the ack. It is verified, authorized and deduplicated as
 * any other: every key is claimed first, so the handler runs once. The ack handler runs within
 * the route's deadline (counted from the request's arrival); its answer, or the fallback, is
 * kept under the request's primary key before it is sent, so that a duplicate (a replay, or
 * Slack's retry) gets the same body without the handler running again, on any instance. When
 * the answer stands and the module also registered a `handler`, the follow-up job is queued
 * first: a queue that cannot take it makes the whole request a 503, with its keys released,
 * so Slack's retry runs it afresh.
 */
export async function answerInAck(
  request: FastifyRequest,
  reply: FastifyReply,
  input: AckRouteInput,
  options: AdmitRequestOptions & { readonly acks: AckAnswering },
): Promise<FastifyReply> {
  const { slack, keys, plan, decision } = input
  const { acks } = options
  const base = { kind: slack.kind, route: plan.route.name, rule: decision.rule }
  const all = [...keys.others, keys.primary]
  const ttl = acks.ttlSeconds
  let claimed: string[]
  try {
    const claim = await acks.claims.claim(all, ttl)
    if (claim.duplicate) return answerDuplicate(request, reply, input, acks, base)
    claimed = claim.claimed
  } catch (err) {
    return unavailable(request, reply, err, base)
  }

  const result = await runPlanned(request, input, acks, reply.elapsedTime)
  if (result.failure !== undefined) {
    request.log.warn({ reason: result.failure, detail: result.detail, ...(result.error !== undefined && { err: result.error }) }, 'the ack handler did not answer: sent the fallback')
  }
  const outcome = { ...base, ...(result.failure !== undefined && { reason: result.failure, detail: result.detail }) }

  // Kept while the follow-up is queued: both join the same batch (one commit, one sync). Should
  // the queue refuse the job, Slack's retry runs the ack again and finds this answer kept.
  const answer: StoredAnswer = { status: 200, body: result.body === undefined ? '' : JSON.stringify(result.body) }
  const kept = acks.answers.put(keys.primary, answer, ttl).then(
    () => undefined,
    // The work is decided and done: answer it. Only a duplicate loses (it gets the fallback).
    (err: unknown) => request.log.error({ err, reason: 'answer_store_unavailable' }, 'the ack answer could not be kept for duplicates'),
  )
  if (result.stands && plan.followUp) {
    // Its keys are claimed already: the job's idempotency key is the primary, nothing else.
    const admitted = await admitRequest(
      request,
      options,
      { request: slack, keys: { primary: keys.primary, others: [] }, receivedAt: input.receivedAt },
      { kind: slack.kind, decision },
    )
    if (admitted.verdict === 'unavailable') {
      await kept
      await acks.claims.release(claimed)
      return reply.code(503).send({ error: admitted.reason })
    }
  } else {
    request.outcome = { verdict: 'answered', ...outcome }
  }
  await kept
  return send(reply, answer)
}

function runPlanned(request: FastifyRequest, input: AckRouteInput, acks: AckAnswering, elapsedMs: number): Promise<AckResult> {
  const { plan, slack } = input
  if (plan.ack === undefined) {
    // A pattern route whose module has no ack for this very request: nothing can answer.
    return Promise.resolve({ body: fallbackAnswer(slack, plan.fallbackMessage), failure: 'ack_failed', detail: 'the handler module registers no ack for this request', stands: false })
  }
  return runAck({
    ack: plan.ack,
    context: (signal) => acks.context(slack, request.log, signal),
    kind: plan.kind,
    request: slack,
    remainingMs: plan.deadlineMs - elapsedMs,
    fallbackMessage: plan.fallbackMessage,
  })
}

/**
 * A duplicate: the first request's answer, once it is kept (waiting for it within the
 * deadline while the first one still runs), else the fallback. Nothing runs.
 */
async function answerDuplicate(
  request: FastifyRequest,
  reply: FastifyReply,
  input: AckRouteInput,
  acks: AckAnswering,
  base: { kind: string; route: string; rule?: string },
): Promise<FastifyReply> {
  const deadline = Date.now() + input.plan.deadlineMs - reply.elapsedTime
  let kept: StoredAnswer | undefined
  try {
    kept = await acks.answers.get(input.keys.primary)
    while (kept === undefined && Date.now() + ANSWER_POLL_MS < deadline) {
      await new Promise((resolve) => setTimeout(resolve, ANSWER_POLL_MS))
      kept = await acks.answers.get(input.keys.primary)
    }
  } catch (err) {
    return unavailable(request, reply, err, base)
  }
  request.outcome = { verdict: 'duplicate', reason: 'duplicate', ...base, ...(kept === undefined && { detail: 'no answer kept: sent the fallback' }) }
  if (kept !== undefined) return send(reply, kept)
  const body = fallbackAnswer(input.slack, input.plan.fallbackMessage)
  return send(reply, { status: 200, body: body === undefined ? '' : JSON.stringify(body) })
}

function send(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  if (answer.body === '') return reply.code(answer.status).send()
  return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body)
}

function unavailable(request: FastifyRequest, reply: FastifyReply, err: unknown, base: { kind: string }): FastifyReply {
  const code = err instanceof StoreUnavailableError ? err.code : 'answer_store_unavailable'
  request.log.error({ err, reason: code }, 'store unavailable')
  request.outcome = { verdict: 'rejected', reason: code, kind: base.kind }
  return reply.code(503).send({ error: code })
}

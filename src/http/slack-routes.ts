import { isOwnEvent } from '../slack/own-event.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Admission, AdmitInput } from '../dispatch/admit.js'
import { admitRequest } from './admit-request.js'
import { answerInAck, type AckAnswering } from './ack-route.js'
import { nonceKeys } from '../replay/nonce-keys.js'
import { decodeSlackRequest } from '../slack/decode.js'
import type { SlackSource } from '../slack/slack-request.js'
import { useRawBodyParsers } from '../verify/fastify-raw-body.js'
import { slackInputFromNode } from '../verify/node-request-input.js'
import { verifySlackSignature, type SlackVerifyOptions } from '../verify/slack-signature.js'
import type { Authorize, RouteDecision } from '../policy/authorize.js'
import type { ResponseMessage } from '../dispatch/sdk.js'
import type { SlackRequest } from '../slack/slack-request.js'
import type { RequestOutcome } from './outcome.js'
import type { LifecycleOutcome } from '../slack-api/token-lifecycle.js'
import type { EventCallback, FunctionExecuted } from '../slack/slack-request.js'
import { deniedText, denialBody, denialResponseUrl, ephemeralMessage } from './policy-denial.js'
import type { StepIngress } from '../functions/step-ingress.js'
import type { JobPayload } from '../dispatch/job-payload.js'

export interface SlackRoutesOptions {
  readonly bodyLimit: number
  readonly verifyOptions: () => SlackVerifyOptions
  readonly authorize: Authorize
  readonly admit: (input: AdmitInput) => Promise<Admission>
  /** Posts a message to an interaction's response_url (a refusal's notice). */
  readonly respond: (responseUrl: string, message: ResponseMessage) => Promise<void>
  /** Starts the request's audit record now, to commit with its job (see http/audit-hook.ts). */
  readonly recordEarly: (request: FastifyRequest) => void
  /** Applies `app_uninstalled` and `tokens_revoked` to the token vault (slack-api/token-lifecycle.ts). */
  readonly lifecycle?: (event: EventCallback, requestId: string) => Promise<LifecycleOutcome>
  /**
   * Custom steps: their tokens sealed for the job, their inputs checked
   * (functions/step-ingress.ts). Without it a step's token is dropped: nothing can finish it.
   */
  readonly steps?: StepIngress
  /** Routes that answer in the ack (modals, options, commands). */
  readonly acks?: AckAnswering
  /** `slack.ignoreSelf`: the app's own events are acked and run nothing (slack/own-event.ts). */
  readonly ignoreSelf: boolean
}

const JSON_TYPES = ['application/json']

/** The job of a custom step no route takes: a name no route can have (see config/schema.ts), one attempt. */
const UNROUTED_STEP = { name: '(unrouted step)', retry: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } }
const UNROUTED_STEP_MESSAGE = "This step is not set up on the app's gateway yet. Ask the app's owner."
const FORM_TYPES = ['application/x-www-form-urlencoded']

/**
 * Slack's three ingress routes. Events are JSON; commands and interactions are forms.
 * Each route runs the pipeline: authenticate, decode, handshake, authorize (the route's
 * access policy), then dedupe, route and enqueue (admission); the 200 is sent only once the
 * job is durably stored.
 */
export async function slackRoutes(app: FastifyInstance, options: SlackRoutesOptions): Promise<void> {
  await app.register(async (json) => {
    useRawBodyParsers(json, JSON_TYPES, options.bodyLimit)
    json.post('/slack/events', slackHandler('events', options))
  })
  await app.register(async (form) => {
    useRawBodyParsers(form, FORM_TYPES, options.bodyLimit)
    form.post('/slack/commands', slackHandler('commands', options))
    form.post('/slack/interactions', slackHandler('interactions', options))
  })
}

function slackHandler(source: SlackSource, options: SlackRoutesOptions) {
  return async function handleSlackRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // No Content-Type and no body: Fastify skips parsing, and there is nothing to verify.
    if (!Buffer.isBuffer(request.body)) return refuse(request, reply, 415, 'unsupported_media_type')
    const raw = request.body

    const input = slackInputFromNode(request.raw, raw)
    const auth = verifySlackSignature(input, options.verifyOptions())
    if (!auth.ok) return refuse(request, reply, 401, auth.reason)

    const decoded = decodeSlackRequest(source, raw)
    if (!decoded.ok) return refuse(request, reply, 400, decoded.reason, decoded.detail)
    const slack = decoded.request
    request.auditContext = { request: slack }

    // Answered only now that the signature verified: an unsigned challenge gets 401 above.
    if (slack.kind === 'url_verification') {
      request.outcome = { verdict: 'handshake', kind: slack.kind }
      return reply.code(200).send({ challenge: slack.challenge })
    }
    // Verified like any request, and never dispatched: its body carries nothing to run.
    if (slack.kind === 'ssl_check') {
      request.outcome = { verdict: 'ssl_check', kind: slack.kind }
      return reply.code(200).send()
    }

    // Uninstalls and revoked tokens reach the vault whatever the routes and the policy say;
    // if the vault cannot take it now, Slack retries the event (fail closed).
    if (slack.kind === 'event' && options.lifecycle !== undefined) {
      const applied = await options.lifecycle(slack, request.id)
      if (!applied.ok) {
        request.log.error({ err: applied.cause, reason: applied.reason }, 'lifecycle event not applied to the vault')
        return refuse(request, reply, 503, applied.reason)
      }
    }

    // The app's own message (or reaction, …) would otherwise run the routes that answer it.
    if (options.ignoreSelf && isOwnEvent(slack)) {
      request.outcome = { verdict: 'unrouted', reason: 'own_event', kind: slack.kind }
      return reply.code(200).send()
    }

    let decision = options.authorize(slack)
    if (decision instanceof Promise) decision = await decision
    const receivedAt = Date.now()
    // A step's token is sealed for its job; the payload no longer holds it (see decode.ts).
    const stepToken = decoded.stepToken === undefined || options.steps === undefined ? undefined : options.steps.seal(slack, decoded.stepToken, receivedAt)
    // A refused step is still finished (with an error), or its workflow would hang.
    const refusal = slack.kind === 'function_executed' && stepToken !== undefined ? stepRefusal(slack, decision, options.steps) : undefined
    if (decision !== undefined && !decision.allow && refusal === undefined) return deny(request, reply, slack, decision, options)
    const extras: Pick<JobPayload, 'stepToken' | 'refusal'> = {
      ...(stepToken !== undefined && { stepToken }),
      ...(refusal !== undefined && { refusal: { reason: refusal.reason, message: refusal.message } }),
    }

    // Verified above, so the header is present exactly once.
    const keys = nonceKeys(slack, input.signature as string)
    request.auditContext = { request: slack, keys }
    // A route that answers in the ack runs its handler before the 200 (http/ack-route.ts).
    const plan = decision?.allow === true ? options.acks?.plan(slack, decision.route) : undefined
    if (plan !== undefined && options.acks !== undefined) {
      return answerInAck(request, reply, { slack, keys, receivedAt, decision: decision as RouteDecision, plan }, { ...options, acks: options.acks })
    }
    const admitted = await admitRequest(
      request,
      options,
      { request: slack, keys, receivedAt, extras, ...(refusal?.verdict === 'unrouted' && { orphan: UNROUTED_STEP }) },
      { kind: slack.kind, decision, ...(refusal !== undefined && { refusal: { verdict: refusal.verdict, reason: refusal.reason } }) },
    )
    // Fail closed: nothing was queued, and Slack retries a 503 later.
    if (admitted.verdict === 'unavailable') return reply.code(503).send({ error: admitted.reason })
    return reply.code(200).send()
  }
}

/**
 * Why a custom step is refused before anything runs, and what the person is told: by policy,
 * because no route takes it (the manifest declares it, the config does not), or because its
 * inputs fail the route's `step.inputs`. Undefined when it runs.
 */
function stepRefusal(
  step: FunctionExecuted,
  decision: RouteDecision | undefined,
  steps: StepIngress | undefined,
): { verdict: 'denied' | 'rejected' | 'unrouted'; reason: string; message: string } | undefined {
  if (decision === undefined) return { verdict: 'unrouted', reason: 'unrouted', message: UNROUTED_STEP_MESSAGE }
  if (!decision.allow) return { verdict: 'denied', reason: decision.reason, message: deniedText(decision.reason, decision.adminContact) }
  const problem = steps?.checkInputs(decision.route, step.inputs)
  return problem === undefined ? undefined : { verdict: 'rejected', reason: 'invalid_step_inputs', message: `The step's inputs are invalid: ${problem}` }
}

/**
 * A refusal by policy is still a 200: Slack delivered the request, and a non-2xx would make
 * it retry (events) or show the person an error. Nothing is dispatched. The person sees a
 * plain notice where Slack can show one: the command's reply, the modal, or the
 * interaction's response_url.
 */
function deny(
  request: FastifyRequest,
  reply: FastifyReply,
  slack: SlackRequest,
  decision: RouteDecision & { readonly allow: false },
  options: SlackRoutesOptions,
): FastifyReply {
  request.outcome = { verdict: 'denied', reason: decision.reason, kind: slack.kind, route: decision.route, rule: decision.rule }
  const text = deniedText(decision.reason, decision.adminContact)
  const responseUrl = denialResponseUrl(slack)
  if (responseUrl !== undefined) {
    options.respond(responseUrl, ephemeralMessage(text)).catch((err: unknown) => {
      request.log.warn({ err, reason: decision.reason }, 'could not post the refusal to response_url')
    })
  }
  const body = denialBody(slack, text)
  return body === undefined ? reply.code(200).send() : reply.code(200).send(body)
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, reason: string, detail?: string): FastifyReply {
  const outcome: RequestOutcome = { verdict: 'rejected', reason, ...(detail !== undefined && { detail }) }
  request.outcome = outcome
  return reply.code(status).send({ error: reason })
}

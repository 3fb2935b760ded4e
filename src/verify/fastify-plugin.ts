import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { useRawBodyParsers } from './fastify-raw-body.js'
import { slackInputFromNode } from './node-request-input.js'
import { parseVerifiedBody } from './parse-verified-body.js'
import { verifySlackSignature, type SlackVerifyResult } from './slack-signature.js'
import { resolveVerifierOptions, type SlackVerifierOptions } from './verifier-options.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified body exactly as received; set once the Slack signature verified. */
    slackRawBody: Buffer | null
    /** The successful verification result; set once the Slack signature verified. */
    slackVerification: Extract<SlackVerifyResult, { ok: true }> | null
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * Fastify plugin that verifies Slack's signature on every route of the context it is
 * registered in. Bodies are read raw (JSON and form only, other types get 415), verified,
 * then parsed: `request.body` is the parsed JSON or form, `request.slackRawBody` the bytes.
 * A forged request gets `401 {"error":"<code>"}` and never reaches the handler.
 *
 * @example
 * app.register(async (slack) => {
 *   await slack.register(slackVerification, { secrets: [process.env.SLACK_SIGNING_SECRET!] })
 *   slack.post('/slack/commands', async (request) => ({ text: 'ok' }))
 * })
 */
export const slackVerification: FastifyPluginAsync<SlackVerifierOptions> = async (instance, options) => {
  const resolved = resolveVerifierOptions(options)
  useRawBodyParsers(instance, ['application/json', 'application/x-www-form-urlencoded'], resolved.bodyLimit)
  instance.decorateRequest('slackRawBody', null)
  instance.decorateRequest('slackVerification', null)
  instance.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : EMPTY
    const result = verifySlackSignature(slackInputFromNode(request.raw, raw), resolved.verifyOptions())
    if (!result.ok) return reply.code(401).send({ error: result.reason })
    const parsed = parseVerifiedBody(request.headers['content-type'], raw)
    if (!parsed.ok) return reply.code(400).send({ error: parsed.reason })
    request.slackRawBody = raw
    request.slackVerification = result
    request.body = parsed.value
  })
}

// Apply to the registering context rather than a child (what the fastify-plugin package does).
Object.assign(slackVerification, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'slackgate-slack-verification',
})

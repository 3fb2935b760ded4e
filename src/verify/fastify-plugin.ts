import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { slackInputFromNode } from './node-request-input.js'
import { BodyTooLargeError, readBody } from './read-body.js'
import { parseVerifiedBody } from './parse-verified-body.js'
import { verifySlackSignature } from './slack-signature.js'
import { resolveVerifierOptions, type SlackVerification, type SlackVerifierOptions } from './verifier-options.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified body exactly as received; set once the Slack signature verified. */
    slackRawBody: Buffer | null
    /** The successful verification result; set once the Slack signature verified. */
    slackVerification: SlackVerification | null
  }
}

const EMPTY = Buffer.alloc(0)
/** The body passed the limit: answered in preHandler, as the other adapters answer it. */
const TOO_LARGE = Symbol('body_too_large')

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
  keepRawBodies(instance, resolved.bodyLimit)
  instance.decorateRequest('slackRawBody', null)
  instance.decorateRequest('slackVerification', null)
  instance.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    // The rest of an oversize body is never read: the connection cannot be reused.
    if (request.body === TOO_LARGE) return reply.code(413).header('connection', 'close').send({ error: 'body_too_large' })
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

/**
 * JSON and form bodies are kept as the bytes received, read once and capped while reading
 * (before any hashing). An oversize body becomes TOO_LARGE rather than Fastify's own error,
 * whose reply shape depends on the app's error handler: every adapter answers
 * `413 {"error":"body_too_large"}`. Every other media type gets Fastify's 415.
 */
function keepRawBodies(instance: FastifyInstance, bodyLimit: number): void {
  instance.removeAllContentTypeParsers()
  instance.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], (request, payload, done) => {
    readBody(payload, bodyLimit, request.headers['content-length']).then(
      (raw) => done(null, raw),
      (err: unknown) => (err instanceof BodyTooLargeError ? done(null, TOO_LARGE) : done(err as Error)),
    )
  })
}

// Apply to the registering context rather than a child (what the fastify-plugin package does).
Object.assign(slackVerification, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'slackgate-slack-verification',
})

import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError, readBody } from './read-body.js'
import { slackInputFromNode } from './node-request-input.js'
import { parseVerifiedBody } from './parse-verified-body.js'
import { verifySlackSignature } from './slack-signature.js'
import { resolveVerifierOptions, type SlackVerification, type SlackVerifierOptions } from './verifier-options.js'

/** What the middleware adds to the request once the signature verified. */
export interface SlackVerifiedRequest extends IncomingMessage {
  body?: unknown
  slackRawBody?: Buffer
  slackVerification?: SlackVerification
}

declare global {
  // Express's Request type (@types/express 4 and 5, through express-serve-static-core)
  // extends this global interface, so a handler mounted after the middleware reads these
  // without a cast. They are set only once the signature verified.
  namespace Express {
    interface Request {
      /** The body exactly as received; set by `slackVerificationMiddleware`. */
      slackRawBody?: Buffer
      /** Which secret verified, and the request's timestamp; set by `slackVerificationMiddleware`. */
      slackVerification?: SlackVerification
    }
  }
}

type Next = (err?: unknown) => void

/**
 * Express (or any connect-style) middleware verifying Slack's signature. Mount it before
 * any body parser, or after `express.raw()`: a body already parsed to an object cannot be
 * verified, because its bytes are gone. On success `req.body` is the parsed JSON or form
 * and `req.slackRawBody` the bytes; a forged request gets `401 {"error":"<code>"}`.
 *
 * @example
 * app.post('/slack/events', slackVerificationMiddleware({ secrets: [secret] }), (req, res) => res.sendStatus(200))
 */
export function slackVerificationMiddleware(options: SlackVerifierOptions) {
  const resolved = resolveVerifierOptions(options)
  return function verifySlackRequest(req: SlackVerifiedRequest, res: ServerResponse, next: Next): void {
    rawBodyOf(req, resolved.bodyLimit).then(
      (raw) => {
        const result = verifySlackSignature(slackInputFromNode(req, raw), resolved.verifyOptions())
        if (!result.ok) return sendError(res, 401, result.reason)
        const parsed = parseVerifiedBody(req.headers['content-type'], raw)
        if (!parsed.ok) return sendError(res, 400, parsed.reason)
        req.slackRawBody = raw
        req.slackVerification = result
        req.body = parsed.value
        next()
      },
      (err: unknown) => {
        if (err instanceof BodyTooLargeError) return sendError(res, 413, err.code, true)
        next(err)
      },
    )
  }
}

async function rawBodyOf(req: SlackVerifiedRequest, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) {
    if (req.body.length > limit) throw new BodyTooLargeError('body exceeds the limit')
    return req.body
  }
  if (req.body !== undefined && !isEmptyObject(req.body)) {
    throw new TypeError('slackVerificationMiddleware must run before any body parser (or after express.raw())')
  }
  return readBody(req, limit, req.headers['content-length'])
}

// Express 4 leaves `{}` as req.body when no parser ran for the request.
function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0
}

function sendError(res: ServerResponse, status: number, code: string, close = false): void {
  const body = JSON.stringify({ error: code })
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(body))
  // The rest of an oversize body is never read; the connection cannot be reused.
  if (close) res.setHeader('connection', 'close')
  res.end(body)
}

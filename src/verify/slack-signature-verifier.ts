import { verifySlackSignature, type SlackSignatureInput, type SlackVerifyResult } from './slack-signature.js'
import { resolveVerifierOptions, type SlackVerifierOptions } from './verifier-options.js'

/** A signature check: `verifySlackSignature`'s result, or a body over `bodyLimit`, refused before any hashing. */
export type SlackSignatureCheck = SlackVerifyResult | { readonly ok: false; readonly reason: 'body_too_large' }

const BODY_TOO_LARGE: SlackSignatureCheck = Object.freeze({ ok: false, reason: 'body_too_large' })

/**
 * `verifySlackSignature` with the options the Fastify plugin, the Express middleware and the
 * fetch verifier take (`secrets` as strings or `createSigningSecret` values, `toleranceSeconds`,
 * `bodyLimit`, `clock`), for a server that reads the body itself. The options are checked and
 * the secrets prepared once, here; each call reads the clock. `verifySlackSignature` itself
 * stays pure: prepared secrets and `now` are its arguments.
 *
 * @example
 * const verify = createSlackSignatureVerifier({ secrets: [process.env.SLACK_SIGNING_SECRET ?? ''] })
 * const result = verify({ body, timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] })
 * if (!result.ok) return reply(result.reason === 'body_too_large' ? 413 : 401, { error: result.reason })
 */
export function createSlackSignatureVerifier(options: SlackVerifierOptions): (input: SlackSignatureInput) => SlackSignatureCheck {
  const resolved = resolveVerifierOptions(options)
  return function checkSlackSignature(input: SlackSignatureInput): SlackSignatureCheck {
    if (input.body.byteLength > resolved.bodyLimit) return BODY_TOO_LARGE
    return verifySlackSignature(input, resolved.verifyOptions())
  }
}

import { rawHeaderValue } from './header-value.js'
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, type SlackSignatureInput } from './slack-signature.js'

/** Builds the verifier's input from a Node request (`IncomingMessage` or Fastify's `request.raw`). */
export function slackInputFromNode(req: { readonly rawHeaders: readonly string[] }, body: Uint8Array): SlackSignatureInput {
  return {
    body,
    timestamp: rawHeaderValue(req.rawHeaders, SLACK_TIMESTAMP_HEADER),
    signature: rawHeaderValue(req.rawHeaders, SLACK_SIGNATURE_HEADER),
  }
}

import type { Logger } from 'pino'
import { boltNames } from '../dispatch/bolt-names.js'
import { slackTools } from '../dispatch/handler-context.js'
import type { AckContext } from '../dispatch/sdk.js'
import type { SlackAccess } from '../slack-api/slack-access.js'
import type { SlackRequest } from '../slack/slack-request.js'

/**
 * An ack handler's context for one request: the request, Bolt's names for its parts, a Web API
 * client for the request's installation (built on first use: most acks only validate) and the
 * request's logger, and the runner's signal (ack/run-ack.ts).
 */
export function ackContext(access: SlackAccess, request: SlackRequest, log: Logger, signal: AbortSignal): AckContext<SlackRequest> {
  // Built on first use: most acks only validate, and this runs before every such 200.
  let tools: ReturnType<typeof slackTools> | undefined
  return {
    ...boltNames(request),
    request,
    get client() {
      return (tools ??= slackTools(access, request)).client
    },
    log,
    logger: log,
    signal,
  }
}

import type { ChatPostMessageArguments, ChatPostMessageResponse, WebClient } from '@slack/web-api'
import { SlackApiError } from '../slack-api/errors.js'
import type { Installations, SlackAccess } from '../slack-api/slack-access.js'
import type { InstallationQuery } from '../vault/installation.js'
import type { InboundRequest } from '../workflow/workflow-call.js'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** What `say()` posts: a text, or `chat.postMessage`'s arguments without the channel. */
export type SayMessage = string | DistributiveOmit<ChatPostMessageArguments, 'channel'>

/** What a handler is given to act in Slack: the parts of its context bound to the request's installation. */
export interface SlackTools {
  readonly client: WebClient
  say(message: SayMessage): Promise<ChatPostMessageResponse>
  readonly installations: Installations
}

/** The installation a request is served by: its workspace's, else its organisation's org-wide one. */
export function installationQuery(request: InboundRequest): InstallationQuery {
  const c = request.context
  return {
    ...(c.teamId !== undefined && { teamId: c.teamId }),
    ...(c.enterpriseId !== undefined && { enterpriseId: c.enterpriseId }),
    ...(c.isEnterpriseInstall !== undefined && { isEnterpriseInstall: c.isEnterpriseInstall }),
  }
}

/**
 * A handler's `client`, `say()` and `installations` for one request. The client is built on
 * first use (most handlers never call Slack, and a WebClient is costly to build on the
 * delivery path, which shares the core with the ack path) and reads the installation's
 * token from the vault on its first call only. `say()` posts to the request's channel (an
 * event's, a command's, an interaction's); a request without one (a modal submission, a
 * workflow call) makes it throw `no_channel`. A custom step's request (`stepToken`) is served
 * with the step's own token instead of the installation's.
 */
export function slackTools(access: SlackAccess, request: InboundRequest, stepToken?: () => Promise<string>): SlackTools {
  let client: WebClient | undefined
  const clientOf = () => (client ??= stepToken === undefined ? access.clientFor(installationQuery(request)) : access.clientWithToken(stepToken))
  const channel = request.context.channelId
  return {
    get client() {
      return clientOf()
    },
    say(message) {
      if (channel === undefined) return Promise.reject(new SlackApiError('no_channel', `a ${request.kind} request has no channel to say() in: use client.chat.postMessage with a channel`))
      const args = typeof message === 'string' ? { text: message } : message
      return clientOf().chat.postMessage({ ...args, channel } as ChatPostMessageArguments)
    },
    installations: access.installations,
  }
}

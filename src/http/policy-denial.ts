import { noticeModal } from '../slack/notice-modal.js'
import type { PolicyCode } from '../policy/errors.js'
import type { SlackRequest } from '../slack/slack-request.js'

/**
 * What a person in Slack is told when the policy refuses them: that it is not allowed and
 * whom to ask, never which rule or list refused them (that would map the policy for an
 * attacker). A directory outage is told apart: trying again later may well work.
 */
export function deniedText(reason: PolicyCode, adminContact: string): string {
  if (reason === 'directory_unavailable') {
    return 'Your access to this could not be checked just now, so nothing was run. Please try again in a minute.'
  }
  return `Sorry, you are not allowed to do this here. To request access, ask ${adminContact}.`
}

/** The ephemeral message, in Slack's message shape: only the person who asked sees it. */
export function ephemeralMessage(text: string): { response_type: 'ephemeral'; replace_original: false; text: string } {
  return { response_type: 'ephemeral', replace_original: false, text }
}

/**
 * The 200 body that shows the refusal where Slack displays a response body: a slash
 * command's reply, or a modal replaced by a notice. Other interactions and events get an
 * empty 200 (Slack shows nothing for those bodies); see `denialNeedsResponseUrl`.
 */
export function denialBody(request: SlackRequest, text: string): object | undefined {
  if (request.kind === 'command') return ephemeralMessage(text)
  if (request.kind === 'view_submission') {
    return { response_action: 'update', view: noticeModal('Not allowed', 'Close', text) }
  }
  return undefined
}

/** Interactions whose 200 body Slack ignores: the message goes to their response_url. */
export function denialResponseUrl(request: SlackRequest): string | undefined {
  if (request.kind === 'block_actions' || request.kind === 'shortcut' || request.kind === 'message_action') return request.responseUrl
  return undefined
}

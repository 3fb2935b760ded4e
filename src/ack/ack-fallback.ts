import type { SlackRequest } from '../slack/slack-request.js'
import { noticeModal, truncateText } from '../slack/notice-modal.js'
import { ackKindOf, BLOCK_ID_MAX, FIELD_ERROR_MAX, MESSAGE_TEXT_MAX } from './ack-answer.js'

/** What a person is told when the app cannot answer in time or answers wrongly. */
export const DEFAULT_ACK_FALLBACK_MESSAGE = 'Something went wrong. Please try again.'


/**
 * The ack the gateway sends in place of a handler's answer when the handler is late, throws
 * or answers something Slack would refuse. Each keeps the person where they were: a modal
 * keeps its form (an error under its first input, else a pushed notice they can go back
 * from), an external select shows no options, a slash command gets an ephemeral note.
 * Other requests get an empty 200 (undefined). The payload is read defensively; never throws.
 *
 * @example
 * fallbackAnswer(commandRequest, DEFAULT_ACK_FALLBACK_MESSAGE)
 * // { response_type: 'ephemeral', text: 'Something went wrong. Please try again.' }
 */
export function fallbackAnswer(request: SlackRequest, message: string): Record<string, unknown> | undefined {
  const text = typeof message === 'string' && message.trim() !== '' ? message : DEFAULT_ACK_FALLBACK_MESSAGE
  switch (ackKindOf(request)) {
    case 'view_submission':
      return viewFallback(request.payload, text)
    case 'block_suggestion':
      return { options: [] }
    case 'command':
      return { response_type: 'ephemeral', text: truncateText(text, MESSAGE_TEXT_MAX) }
    default:
      return undefined
  }
}

// Slack's answers to a submission: https://docs.slack.dev/surfaces/modals#updating_response
// `errors` needs a block_id of an input block in the submitted view; push works on any modal
// and leaves the form underneath it.
function viewFallback(payload: Readonly<Record<string, unknown>>, text: string): Record<string, unknown> {
  const blockId = firstInputBlockId(payload)
  if (blockId !== undefined) return { response_action: 'errors', errors: { [blockId]: truncateText(text, FIELD_ERROR_MAX) } }
  return { response_action: 'push', view: noticeModal('Error', 'Back', text) }
}

function firstInputBlockId(payload: Readonly<Record<string, unknown>>): string | undefined {
  const view = payload.view
  if (!isRecord(view) || !Array.isArray(view.blocks)) return undefined
  for (const block of view.blocks as readonly unknown[]) {
    if (!isRecord(block) || block.type !== 'input') continue
    const id = block.block_id
    if (typeof id === 'string' && id.length > 0 && id.length <= BLOCK_ID_MAX) return id
  }
  return undefined
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// A section's plain_text: https://docs.slack.dev/reference/block-kit/blocks/section-block
const SECTION_TEXT_MAX = 3000

/**
 * A modal that only tells the person something (a refusal, a failure): a title, a close
 * button and the text in one section, cut to what Slack takes. For a `response_action` of
 * `update` or `push`.
 *
 * @example
 * ({ response_action: 'push', view: noticeModal('Error', 'Back', 'Something went wrong.') })
 */
export function noticeModal(title: string, close: string, text: string): Record<string, unknown> {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: close },
    blocks: [{ type: 'section', text: { type: 'plain_text', text: truncateText(text, SECTION_TEXT_MAX) } }],
  }
}

/** Cut to `max` with an ellipsis, never through a surrogate pair (a lone half is invalid text to Slack). */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = text.slice(0, max - 1)
  const last = cut.charCodeAt(cut.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1)
  return `${cut}…`
}

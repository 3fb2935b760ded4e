import { z } from 'zod'
import type { SlackRequest } from '../slack/slack-request.js'

/**
 * The requests whose HTTP 200 body Slack reads and shows: a modal submission's
 * `response_action`, an external select's options, and a slash command's immediate message.
 * Every other ack body is ignored by Slack.
 */
export type AckKind = 'view_submission' | 'block_suggestion' | 'command'

/** The outcome of checking a handler's answer: the body to send (undefined: an empty 200), or why not. */
export type AckAnswerVerdict = { readonly ok: true; readonly body: Record<string, unknown> | undefined } | { readonly ok: false; readonly problem: string }

// Slack's limits, from its reference pages:
// https://docs.slack.dev/reference/views/modal-views (title, submit, close 24; 100 blocks;
//   private_metadata 3000; callback_id, external_id 255; submit needed with input blocks)
// https://docs.slack.dev/reference/block-kit/composition-objects/option-object (text,
//   description 75; value 150) and option-group-object (label 75; 100 options)
// https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload (100 options or groups)
// https://docs.slack.dev/interactivity/implementing-slash-commands (immediate response: a message)
export const MODAL_TEXT_MAX = 24
export const BLOCK_ID_MAX = 255
/** Slack documents no cap on a field error's message; this one keeps a runaway answer out of the form. */
export const FIELD_ERROR_MAX = 2000
export const MESSAGE_TEXT_MAX = 40_000
const MODAL_BLOCKS_MAX = 100
const MESSAGE_BLOCKS_MAX = 50
const ATTACHMENTS_MAX = 100
const OPTION_TEXT_MAX = 75
const OPTION_VALUE_MAX = 150
const OPTIONS_MAX = 100
const PATH_SEGMENT_MAX = 64
const ISSUES_SHOWN = 3
const KEYS_SHOWN = 5

const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() })

// A block's own fields are Block Kit's business (Slack answers for them); its type and
// block_id are what every block has.
const block = z.looseObject({ type: z.string().min(1).max(255), block_id: z.string().min(1).max(BLOCK_ID_MAX).optional() })

const modalView = z
  .strictObject({
    type: z.literal('modal'),
    title: plainText(MODAL_TEXT_MAX),
    blocks: z.array(block).max(MODAL_BLOCKS_MAX),
    submit: plainText(MODAL_TEXT_MAX).optional(),
    close: plainText(MODAL_TEXT_MAX).optional(),
    callback_id: z.string().max(255).optional(),
    private_metadata: z.string().max(3000).optional(),
    clear_on_close: z.boolean().optional(),
    notify_on_close: z.boolean().optional(),
    external_id: z.string().min(1).max(255).optional(),
    submit_disabled: z.boolean().optional(),
  })
  .superRefine((view, ctx) => {
    if (view.submit === undefined && view.blocks.some((b) => b.type === 'input')) {
      ctx.addIssue({ code: 'custom', path: ['submit'], message: 'required when blocks contain an input block' })
    }
  })

const viewSubmissionAnswer = z.discriminatedUnion(
  'response_action',
  [
    z.strictObject({ response_action: z.literal('clear') }),
    z.strictObject({
      response_action: z.literal('errors'),
      errors: z
        .record(z.string().min(1).max(BLOCK_ID_MAX), z.string().min(1).max(FIELD_ERROR_MAX))
        .refine((errors) => Object.keys(errors).length > 0, 'needs at least one block_id'),
    }),
    z.strictObject({ response_action: z.enum(['update', 'push']), view: modalView }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? responseActionRule(issue.input) : undefined) },
)

const RESPONSE_ACTION_KEYS = new Set(['response_action', 'errors', 'view'])

// Without a response_action, the likeliest cause is a typo in it: name the keys Slack does not know.
function responseActionRule(input: unknown): string {
  const rule = 'must be errors, update, push or clear'
  if (typeof input !== 'object' || input === null || Object.hasOwn(input, 'response_action')) return rule
  const unknown = Object.keys(input).filter((key) => !RESPONSE_ACTION_KEYS.has(key))
  return unknown.length === 0 ? `required, ${rule}` : `required, ${rule}; unknown key(s): ${keyList(unknown)}`
}

const option = z.strictObject({
  text: plainText(OPTION_TEXT_MAX),
  value: z.string().max(OPTION_VALUE_MAX),
  description: plainText(OPTION_TEXT_MAX).optional(),
})

const options = z.array(option).max(OPTIONS_MAX)

const blockSuggestionAnswer = z
  .strictObject({
    options: options.optional(),
    option_groups: z.array(z.strictObject({ label: plainText(OPTION_TEXT_MAX), options })).max(OPTIONS_MAX).optional(),
  })
  .superRefine((answer, ctx) => {
    if ((answer.options === undefined) === (answer.option_groups === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give options or option_groups, exactly one' })
    }
  })

// The message keys Slack documents for an immediate response; thread_ts, channel and the
// like belong to chat.postMessage and are refused rather than silently ignored by Slack.
const commandAnswer = z
  .strictObject({
    text: z.string().max(MESSAGE_TEXT_MAX).optional(),
    blocks: z.array(block).max(MESSAGE_BLOCKS_MAX).optional(),
    attachments: z.array(z.looseObject({})).max(ATTACHMENTS_MAX).optional(),
    response_type: z.enum(['ephemeral', 'in_channel']).optional(),
    mrkdwn: z.boolean().optional(),
    unfurl_links: z.boolean().optional(),
    unfurl_media: z.boolean().optional(),
  })
  .superRefine((message, ctx) => {
    if ((message.text ?? '') === '' && (message.blocks ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a message needs non-empty text or blocks' })
    }
  })

const SCHEMAS: Readonly<Record<AckKind, z.ZodType<Record<string, unknown>>>> = {
  view_submission: viewSubmissionAnswer,
  block_suggestion: blockSuggestionAnswer,
  command: commandAnswer,
}

/**
 * The ack kind of a request, or undefined when Slack ignores its ack body: only these three
 * may carry a handler's answer back to Slack.
 *
 * @example
 * const kind = ackKindOf(request) // 'view_submission' for a modal's submit
 */
export function ackKindOf(request: SlackRequest): AckKind | undefined {
  switch (request.kind) {
    case 'view_submission':
    case 'block_suggestion':
    case 'command':
      return request.kind
    default:
      return undefined
  }
}

/**
 * Checks a handler's answer against the shape Slack documents for `kind` before it goes
 * into the ack. Slack shows nothing useful for a malformed ack body (a modal just says it
 * could not connect), so a bad answer is caught here and the caller sends a fallback
 * instead. The problem names paths and rules, never values: answers can be long or personal.
 * Never throws.
 *
 * @example
 * validateAckAnswer('command', 'Deploying…') // { ok: true, body: { text: 'Deploying…' } }
 * validateAckAnswer('view_submission', { response_actions: 'clear' }) // { ok: false, problem: '…unknown key(s)…' }
 */
export function validateAckAnswer(kind: AckKind, value: unknown): AckAnswerVerdict {
  if (value === undefined || value === null) return { ok: true, body: undefined }
  const answer = kind === 'command' && typeof value === 'string' ? { text: value } : value
  try {
    const parsed = SCHEMAS[kind].safeParse(answer)
    if (!parsed.success) return { ok: false, problem: describe(parsed.error.issues) }
    // The body goes out as JSON: a cycle, a BigInt or a throwing toJSON is refused here, not mid-reply.
    JSON.stringify(parsed.data)
    return { ok: true, body: parsed.data }
  } catch {
    return { ok: false, problem: '(root): not JSON-serialisable' }
  }
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  // An invalid key's path ends in the key itself: the parent is named instead.
  const shown = issues.slice(0, ISSUES_SHOWN).map((issue) => `${pathOf(issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path)}: ${ruleOf(issue)}`)
  const more = issues.length - shown.length
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ')
}

function ruleOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s): ${keyList(issue.keys)}`
  if (issue.code === 'invalid_key') return `a key (block_id) must be 1 to ${BLOCK_ID_MAX} characters`
  return issue.message
}

// Keys are the handler's own (block ids, typos): capped so a path stays a path.
function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)'
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc === '' ? segment(part) : `${acc}.${segment(part)}`), '')
}

function segment(part: PropertyKey): string {
  const text = String(part)
  return text.length > PATH_SEGMENT_MAX ? `${text.slice(0, PATH_SEGMENT_MAX)}…` : text
}

function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, KEYS_SHOWN).map(segment).join(', ')
  return keys.length > KEYS_SHOWN ? `${shown} (and ${keys.length - KEYS_SHOWN} more)` : shown
}

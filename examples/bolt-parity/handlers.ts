import { createHash } from 'node:crypto'
import { defineHandlers, PermanentError } from 'slackgate'

// A help-desk app moved over from Bolt (docs/migrating-from-bolt.md shows both side by side).
// Each route in slackgate.yaml says who may run it; this module says what runs. An `ack`
// answers before the 200 and never calls Slack to do so; a `handler` runs afterwards from the
// durable queue, is retried when it throws, and so is written to be safe to run again.

/** The teams a ticket can go to: what the external select offers, filtered by what is typed. */
const TEAMS = [
  { value: 'billing', label: 'Billing' },
  { value: 'identity', label: 'Identity and access' },
  { value: 'infra', label: 'Infrastructure' },
  { value: 'payments', label: 'Payments' },
]

const MIN_TITLE = 5

/** The modal `/ticket` opens when it is given no title. */
function ticketModal(channel: string) {
  return {
    type: 'modal' as const,
    callback_id: 'new_ticket',
    // Where to post the ticket: a submission carries no channel of its own.
    private_metadata: channel,
    title: { type: 'plain_text' as const, text: 'New ticket' },
    submit: { type: 'plain_text' as const, text: 'File it' },
    blocks: [
      { type: 'input', block_id: 'title', label: { type: 'plain_text', text: 'What is wrong?' }, element: { type: 'plain_text_input', action_id: 'title_input' } },
      {
        type: 'input',
        block_id: 'team',
        optional: true,
        label: { type: 'plain_text', text: 'Team' },
        element: { type: 'external_select', action_id: 'pick_team', min_query_length: 0 },
      },
    ],
  }
}

/**
 * A ticket's number, from the job's id: stable across retries, so a post sent again after a
 * failure names the same ticket.
 */
function ticketNumber(jobId: string): number {
  return Number.parseInt(createHash('sha256').update(jobId).digest('hex').slice(0, 8), 16) % 100_000
}

/** The ticket as a message: its buttons sit in block `ticket_<n>`, which the block_id pattern matches. */
function ticketMessage(number: number, title: string, user: string, team?: string) {
  const text = `Ticket ${number} from <@${user}>${team === undefined ? '' : ` for ${team}`}: ${title}`
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: `ticket_${number}`,
        elements: [
          { type: 'button', action_id: 'take_ticket', text: { type: 'plain_text', text: 'Take it' } },
          { type: 'button', action_id: 'close_ticket', style: 'danger', text: { type: 'plain_text', text: 'Close' } },
        ],
      },
    ],
  }
}

/** What the person typed into the modal: the title, and the team picked (if any). */
function submitted(view: Readonly<Record<string, unknown>> | undefined): { title: string; team?: string } {
  const values = ((view?.state as { values?: Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>> }) ?? {}).values ?? {}
  const title = (values.title?.title_input?.value ?? '').trim()
  const team = values.team?.pick_team?.selected_option?.value
  return team === undefined ? { title } : { title, team }
}

export default defineHandlers((gateway) => {
  gateway.command('/ticket', {
    // The 200's body: Slack shows it to the person at once.
    ack: ({ command }) => {
      const title = String(command?.text ?? '').trim()
      if (title === '') return undefined
      return { response_type: 'ephemeral', text: `Filing "${title}"…` }
    },
    // Then, from the queue: post the ticket, or open the modal.
    handler: async ({ request, say, client, job }) => {
      const title = request.text.trim()
      const user = request.context.userId ?? 'someone'
      if (title !== '') {
        await say(ticketMessage(ticketNumber(job.id), title, user))
        return
      }
      try {
        await client.views.open({ trigger_id: request.triggerId ?? '', view: ticketModal(request.context.channelId ?? user) })
      } catch (err) {
        // A trigger lasts 3 seconds: a retry cannot open the modal any more.
        if ((err as { data?: { error?: string } }).data?.error === 'expired_trigger_id') throw new PermanentError('the modal trigger expired')
        throw err
      }
    },
  })

  // A button by its action_id: an exact id, looked up before any pattern.
  gateway.action('close_ticket', async ({ action, body, say }) => {
    const user = (body.user as { id?: string } | undefined)?.id ?? 'someone'
    const number = String(action?.block_id ?? '').replace(/^ticket_/, '')
    await say(`Ticket ${number} closed by <@${user}>.`)
  })

  // Any other button of a ticket, by its block_id: a pattern, tried after the exact ids.
  gateway.action({ block_id: /^ticket_\d+$/ }, async ({ action, body, say }) => {
    const user = (body.user as { id?: string } | undefined)?.id ?? 'someone'
    const number = String(action?.block_id ?? '').replace(/^ticket_/, '')
    await say(`<@${user}> took ticket ${number}.`)
  })

  gateway.view('new_ticket', {
    // Validation errors keep the modal open, under the field; nothing is queued.
    ack: ({ view }) => {
      const { title } = submitted(view)
      if (title.length < MIN_TITLE) return { response_action: 'errors', errors: { title: `Say a little more: at least ${MIN_TITLE} characters.` } }
      return { response_action: 'clear' }
    },
    // A submission that stands: post the ticket where /ticket was run.
    handler: async ({ view, body, client, job }) => {
      const { title, team } = submitted(view)
      const user = (body.user as { id?: string } | undefined)?.id ?? 'someone'
      const channel = typeof view?.private_metadata === 'string' && view.private_metadata !== '' ? view.private_metadata : user
      await client.chat.postMessage({ channel, ...ticketMessage(ticketNumber(job.id), title, user, team) })
    },
  })

  // The external select's options, answered in the ack: filtered by what the person typed.
  gateway.options('pick_team', ({ options }) => {
    const typed = String(options?.value ?? '').toLowerCase()
    return {
      options: TEAMS.filter((t) => t.label.toLowerCase().includes(typed) || t.value.includes(typed)).map((t) => ({ text: { type: 'plain_text' as const, text: t.label }, value: t.value })),
    }
  })

  gateway.event('app_mention', async ({ say }) => {
    await say('Run /ticket to file a ticket, or /ticket <what is wrong> to file it at once.')
  })

  // Bolt puts the pattern's groups in `context.matches`; here the handler reads the text again.
  gateway.message(/^deploy (\w+)/, async ({ message, say }) => {
    const service = /^deploy (\w+)/.exec(String(message?.text ?? ''))?.[1]
    if (service === undefined) return
    await say(`Deploying ${service}: file a /ticket if anything breaks.`)
  })
})

import { defineHandlers, PermanentError } from 'slackgate'

// Handlers run after the request was verified, deduplicated and durably queued. A handler
// that throws is retried with backoff (the job id stays the same), so make it safe to rerun.
export default defineHandlers((gateway) => {
  gateway.command('/deploy', async ({ request, job, log }) => {
    const target = request.text.trim()
    if (target === '') throw new PermanentError('usage: /deploy <service>')
    log.info({ target, user: request.context.userId, team: request.context.teamId, job: job.id }, 'deploy requested')
    // A real handler would start the deploy here, then tell the user:
    //   await respond({ text: `Deploying ${target}…`, response_type: 'ephemeral' })
  })

  // A Workflow Builder custom step. The gateway completes the step with what this returns,
  // or fails it with the route's errorMessage if this keeps throwing: it never hangs.
  gateway.function('approve_expense', async ({ inputs, client, fail }) => {
    const amount = Number(inputs.amount)
    if (amount > 1000) return fail('Expenses over 1,000 EUR need a director: ask in #finance.')
    await client.chat.postMessage({ channel: String(inputs.requester), text: `Your expense of ${amount} EUR is approved.` })
    return { approved: true }
  })
})

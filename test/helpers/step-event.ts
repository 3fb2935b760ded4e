import { eventEnvelope } from './signing.js'

export interface StepEventOptions {
  readonly callbackId?: string
  readonly executionId?: string
  readonly eventId?: string
  readonly token?: string
  readonly inputs?: Record<string, unknown>
  readonly teamId?: string
  /** Epoch seconds. */
  readonly eventTime?: number
}

/**
 * A `function_executed` event as Slack sends it when a workflow reaches a custom step
 * (https://docs.slack.dev/reference/events/function_executed/), with its `bot_access_token`.
 */
export function stepEvent(options: StepEventOptions = {}): Record<string, unknown> {
  const callbackId = options.callbackId ?? 'approve_expense'
  return eventEnvelope({
    team_id: options.teamId ?? 'T0001',
    event_id: options.eventId ?? 'Ev0STEP1',
    ...(options.eventTime !== undefined && { event_time: options.eventTime }),
    authorizations: [{ team_id: options.teamId ?? 'T0001', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    event: {
      type: 'function_executed',
      function: {
        id: 'Fn0001',
        callback_id: callbackId,
        title: 'Approve expense',
        description: 'Asks for an approval',
        type: 'app',
        input_parameters: [],
        output_parameters: [],
        app_id: 'A0001',
        date_created: 1694727597,
        date_updated: 1698947481,
        date_deleted: 0,
      },
      inputs: options.inputs ?? { amount: 42 },
      function_execution_id: options.executionId ?? 'Fx0001',
      workflow_execution_id: 'Wx0001',
      event_ts: '1698958075.998738',
      bot_access_token: options.token ?? 'xwfp-1111-2222-3333-step-token-secret',
    },
  })
}

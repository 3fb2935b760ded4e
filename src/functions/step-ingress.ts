import type { RouteConfig } from '../config/schema.js'
import type { SlackRequest } from '../slack/slack-request.js'
import { compileBodySchema, type BodyValidator } from '../workflow/body-schema.js'
import { STEP_TOKEN_LIFETIME_MS, type SealedStepToken, type StepTokens } from './step-token.js'

/** What the Slack ingress does for custom steps before their job is queued. */
export interface StepIngress {
  /** Seals the token a step's request carried, for its job, with the instant it stops working. */
  seal(request: SlackRequest, token: string, receivedAt: number): SealedStepToken
  /** Where a step's inputs fail its route's `step.inputs`, or undefined when they pass (or it has none). */
  checkInputs(route: string, inputs: Readonly<Record<string, unknown>>): string | undefined
}

/**
 * The step stage of the ingress, built once: each function route's `step.inputs` compiled
 * (an invalid schema stops the start), and the sealer. A token's life is counted from the
 * earlier of the event's time and its receipt, so a step Slack retried late is not given
 * more time than it has.
 */
export function createStepIngress(routes: readonly RouteConfig[], tokens: StepTokens): StepIngress {
  const inputs = compileStepSchemas(routes, 'inputs')
  return {
    seal(request, token, receivedAt) {
      const started = 'eventTime' in request && request.eventTime !== undefined ? Math.min(request.eventTime * 1000, receivedAt) : receivedAt
      const executionId = 'functionExecutionId' in request ? (request.functionExecutionId ?? '') : ''
      return tokens.seal(token, executionId, started + STEP_TOKEN_LIFETIME_MS)
    },
    checkInputs(route, values) {
      const check = inputs.get(route)?.(values)
      return check === undefined || check.ok ? undefined : check.detail.replace(/^body/, 'inputs')
    },
  }
}

/** `step.inputs` or `step.outputs` of every function route that has one, compiled, by route name. */
export function compileStepSchemas(routes: readonly RouteConfig[], which: 'inputs' | 'outputs'): Map<string, BodyValidator> {
  const out = new Map<string, BodyValidator>()
  for (const route of routes) {
    const schema = route.step?.[which]
    if (schema === undefined) continue
    try {
      out.set(route.name, compileBodySchema(schema))
    } catch (err) {
      throw new Error(`routes ${route.name}: step.${which} is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  }
  return out
}

import type { FastifyInstance } from 'fastify'
import { CliError } from '../../cli/cli-error.js'
import { explainCommand, type ExplainOptions } from '../../cli/policy.js'
import type { GatewayConfig } from '../../config/load.js'
import { renderRoutes, type ExplainForm, type ExplainResult } from '../console/pages/routes.js'
import { queryOf, sendConsolePage, sessionOf } from './context.js'

const TEXT_FIELDS = ['route', 'team', 'enterprise', 'channel', 'user', 'userTeam', 'subject', 'scope'] as const
const FLAGS = ['dm', 'shared'] as const

type Parsed = { readonly asked: false } | { readonly asked: true; readonly form: ExplainForm; readonly problems: readonly string[] }

/**
 * The Routes page: every configured route (match, target, access, ack) and the `policy
 * explain` form. The form is a GET (it changes nothing) and is answered by the CLI's own
 * `explainCommand`, so its ids are checked by the same schemas and the decision is the one
 * `slackgate policy explain` prints; an id the CLI would refuse is a 400 with the CLI's
 * message above the form.
 *
 * @example
 * routeRoutes(instance, config) // GET /admin/routes?route=deploy&user=U0001
 */
export function routeRoutes(app: FastifyInstance, config: GatewayConfig): void {
  app.get('/routes', async (request, reply) => {
    const session = sessionOf(request)
    const parsed = parseExplain(queryOf(request))
    if (!parsed.asked) return sendConsolePage(reply, session, 'Routes', 'routes', renderRoutes({ routes: config.routes }))
    const answered = parsed.problems.length > 0 ? { problems: parsed.problems } : await explainFor(config, parsed.form)
    if (answered.problems.length > 0) request.outcome = { verdict: 'rejected', reason: 'bad_request' }
    const body = renderRoutes({ routes: config.routes, explain: { form: parsed.form, ...answered } })
    return sendConsolePage(reply, session, 'Routes', 'routes', body, answered.problems.length > 0 ? 400 : 200)
  })
}

/** The form as typed: a field given twice is a problem, not a guess; an empty one is absent. */
function parseExplain(query: URLSearchParams): Parsed {
  if (![...TEXT_FIELDS, ...FLAGS].some((name) => query.has(name))) return { asked: false }
  const form: Record<string, string | boolean> = {}
  const problems: string[] = []
  for (const name of [...TEXT_FIELDS, ...FLAGS]) {
    const values = query.getAll(name)
    if (values.length > 1) problems.push(`${name}: given more than once`)
    const value = values[0]?.trim()
    if (value === undefined || value === '') continue
    form[name] = (FLAGS as readonly string[]).includes(name) ? value === '1' : value
  }
  if (form.route === undefined) problems.push('route: choose a route')
  return { asked: true, form: form as ExplainForm, problems }
}

/** `slackgate policy explain --json` with the form's fields; the CLI's refusal becomes the page's problem. */
async function explainFor(config: GatewayConfig, form: ExplainForm): Promise<{ problems: readonly string[]; result?: ExplainResult }> {
  // The form's ids are the CLI's options by name; scopes are typed as one space-separated field.
  const { route, scope, dm, shared, ...ids } = form
  const options: ExplainOptions = {
    ...ids,
    route: route as string,
    json: true,
    ...(scope !== undefined && { scope: scope.split(/\s+/) }),
    ...(dm === true && { dm }),
    ...(shared === true && { shared }),
  }
  try {
    const { output } = await explainCommand(config, options)
    const answer = JSON.parse(output) as ExplainResult['explanation'] & Omit<ExplainResult, 'explanation'>
    return { problems: [], result: { route: answer.route, request: answer.request, explanation: { decision: answer.decision, steps: answer.steps } } }
  } catch (err) {
    if (err instanceof CliError) return { problems: [err.message] }
    throw err
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Vault } from '../../vault/vault.js'
import { adminRecord } from '../admin-record.js'
import type { ConsoleSection } from '../console/layout.js'
import { problemList } from '../console/pages/common.js'
import { renderInstallations } from '../console/pages/installations.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { formField, sendConsolePage, sessionOf, type ConsoleContext } from './context.js'

/** An installation key as installationKey() makes it: `team:T…` or `enterprise:E…`. */
const INSTALLATION_KEY = /^(team:T|enterprise:E)[A-Z0-9]{1,40}$/

/**
 * The Installations page: what `slackgate installations list` shows (summaries: never a
 * token), and the operators' revoke. A revoke wipes every token the installation holds, as
 * the gateway does for Slack's `app_uninstalled`, so the whole installation goes: the app
 * stops working in that workspace until it is installed again. Audited with the admin's name
 * and the key, then 303 back to the page.
 *
 * @example
 * installationRoutes(instance, ctx, { vault, configBotToken: false }) // GET /admin/installations; POST /admin/installations/revoke
 */
export function installationRoutes(app: FastifyInstance, ctx: ConsoleContext, sources: { readonly vault: Vault; readonly configBotToken: boolean }): void {
  const { vault } = sources
  app.get('/installations', async (request, reply) => {
    const session = sessionOf(request)
    const body = renderInstallations({ installations: await vault.list(), configBotToken: sources.configBotToken, role: session.user.role, csrfToken: session.csrfToken })
    return sendConsolePage(reply, session, 'Installations', 'installations', body)
  })

  app.post('/installations/revoke', { config: { consoleAccess: 'operator' } }, async (request, reply) => {
    const key = formField(request.body, 'key')
    if (key === undefined || !INSTALLATION_KEY.test(key)) return problemPage(request, reply, 'installations', ['key: an installation key (team:T… or enterprise:E…)'])
    const installation = await vault.get(key)
    const held = installation === undefined ? [] : (['bot', 'user'] as const).filter((kind) => installation[kind] !== undefined)
    // Every kind it holds: the vault deletes the installation (vault.ts, revoke).
    const revoked = held.length > 0 && (await vault.revoke(key, held))
    await recordAction(ctx, request, 'installation_revoke', revoked ? 'revoked' : 'not_found', key)
    return reply.code(303).headers(DATA_PAGE_HEADERS).header('location', '/admin/installations').send()
  })
}

/** The audit record of an operator's revoke or rotate: kind `admin`, the admin's name as subject, what was acted on as target. */
export async function recordAction(ctx: ConsoleContext, request: FastifyRequest, action: 'installation_revoke' | 'key_rotate', verdict: 'revoked' | 'rotated' | 'not_found', target: string): Promise<void> {
  await ctx.audit.append(adminRecord({ at: ctx.now(), requestId: request.id, action, verdict, name: sessionOf(request).user.name, target }))
}

/** A 400 page in a section of this file's kind, listing what was wrong. */
export function problemPage(request: FastifyRequest, reply: FastifyReply, section: ConsoleSection, problems: readonly string[]): FastifyReply {
  request.outcome = { verdict: 'rejected', reason: 'bad_request' }
  return sendConsolePage(reply, sessionOf(request), 'Bad request', section, problemList(problems), 400)
}

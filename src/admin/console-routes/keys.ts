import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { rotateKeys } from '../../cli/keys.js'
import type { GatewayConfig } from '../../config/load.js'
import { KEY_FILE, readKeyFile } from '../../keys/key-file.js'
import type { SigningKeys } from '../../keys/signing-keys.js'
import { renderKeys } from '../console/pages/keys.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { sendConsolePage, sessionOf, type ConsoleContext } from './context.js'
import { problemPage, recordAction } from './installations.js'

/**
 * The Keys page: the gateway's token-signing keys and their state, as `slackgate keys list`
 * reads them (kid, algorithm, dates: never the JWK, which holds the private key), and the
 * operators' rotate, which is `slackgate keys rotate` itself: a new key signs from now on, the
 * previous ones stay published for `tokens.rotationGraceSeconds`. The running gateway is
 * told at once rather than at its next poll of the file. Audited with the admin's name and
 * the new key id, then 303 back to the page.
 *
 * @example
 * keyRoutes(instance, ctx, { config, signingKeys }) // GET /admin/keys; POST /admin/keys/rotate
 */
export function keyRoutes(app: FastifyInstance, ctx: ConsoleContext, sources: { readonly config: GatewayConfig; readonly signingKeys: SigningKeys }): void {
  const { config } = sources
  const path = join(config.dataDir, KEY_FILE)
  const supplied = config.tokens.suppliedKeys !== undefined

  app.get('/keys', async (request, reply) => {
    const session = sessionOf(request)
    const keys = supplied ? [] : (readKeyFile(path) ?? []).map(({ kid, alg, createdAt, retireAt }) => ({ kid, alg, createdAt, ...(retireAt !== undefined && { retireAt }) }))
    const body = renderKeys({ keys, supplied, now: ctx.now(), role: session.user.role, csrfToken: session.csrfToken })
    return sendConsolePage(reply, session, 'Keys', 'keys', body)
  })

  app.post('/keys/rotate', { config: { consoleAccess: 'operator' } }, async (request, reply) => {
    if (supplied) return problemPage(request, reply, 'keys', ['tokens.keys supplies the signing keys: rotate them in the config file'])
    await rotateKeys(config, new Date(ctx.now()))
    // rotateKeyFile writes the new key last.
    const added = readKeyFile(path)?.at(-1)?.kid ?? ''
    await sources.signingKeys.refresh()
    await recordAction(ctx, request, 'key_rotate', 'rotated', added)
    return reply.code(303).headers(DATA_PAGE_HEADERS).header('location', '/admin/keys').send()
  })
}

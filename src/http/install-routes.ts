import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditLog } from '../audit/audit-log.js'
import type { InstallConfig } from '../config/install-schema.js'
import { INSTALL_CALLBACK_PATH } from '../config/install-schema.js'
import { authorizeUrl } from '../install/authorize-url.js'
import { completeInstall } from '../install/complete-install.js'
import { INSTALL_STATUS } from '../install/errors.js'
import { errorPage, installPage, PAGE_HEADERS, successPage } from '../install/install-pages.js'
import { deriveStateKey, issueState } from '../install/install-state.js'
import { revokeGranted } from '../install/revoke-granted.js'
import { clearedStateCookie, cookieValues, stateCookie } from '../install/state-cookie.js'
import type { NonceStore } from '../replay/nonce-store.js'
import { oauthV2Access } from '../slack-api/oauth-v2-access.js'
import type { Vault } from '../vault/vault.js'

export interface InstallRoutesOptions {
  readonly install: InstallConfig
  readonly apiUrl: string
  readonly clientId: string
  /** `slack.clientSecret`, read on demand. */
  readonly clientSecret: () => string
  readonly vault: Vault
  readonly nonces: NonceStore
  readonly audit?: AuditLog
  readonly fetch?: typeof fetch
  /** Epoch seconds. */
  readonly clock: () => number
}

/**
 * The OAuth v2 install flow: `GET /slack/install` (a page with the "Add to Slack" link, or
 * with `?direct=1` a redirect straight to Slack) and `GET /slack/oauth_redirect`, Slack's
 * redirect back (see install/complete-install.ts for its checks). Every page is plain HTML
 * under a strict Content-Security-Policy, never cached.
 */
export async function installRoutes(app: FastifyInstance, options: InstallRoutesOptions): Promise<void> {
  const { install } = options
  const stateKey = deriveStateKey(options.clientSecret())
  const deps = {
    config: install,
    stateKey,
    nonces: options.nonces,
    vault: options.vault,
    ...(options.audit !== undefined && { audit: options.audit }),
    now: options.clock,
    revoke: (tokens: readonly string[]) => revokeGranted(tokens, { apiUrl: options.apiUrl, ...(options.fetch !== undefined && { fetch: options.fetch }) }),
    exchange: (code: string) =>
      oauthV2Access(
        { apiUrl: options.apiUrl, clientId: options.clientId, clientSecret: options.clientSecret, timeoutMs: install.exchangeTimeoutMs, ...(options.fetch !== undefined && { fetch: options.fetch }) },
        { grantType: 'authorization_code', code, redirectUri: install.redirectUrl },
      ),
  }

  app.get('/slack/install', async (request, reply) => {
    const { state, cookieValue } = issueState(stateKey, options.clock())
    const target = authorizeUrl(install, options.clientId, state)
    reply.headers(PAGE_HEADERS).header('set-cookie', stateCookie(install.cookieName, cookieValue, install.stateTtlSeconds))
    request.outcome = { verdict: 'accepted', kind: 'install' }
    if (single((request.query as Record<string, unknown>).direct) === '1') return reply.code(302).header('location', target).send()
    return reply.code(200).send(installPage(target))
  })

  app.get(INSTALL_CALLBACK_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as Record<string, unknown>
    const state = single(query.state)
    const code = single(query.code)
    const error = single(query.error)
    const outcome = await completeInstall(deps, {
      ...(state !== undefined && { state }),
      ...(code !== undefined && { code }),
      ...(error !== undefined && { error }),
      cookies: cookieValues(request.headers.cookie, install.cookieName),
      requestId: request.id,
    })
    // Whatever the answer, the state it bound is spent.
    reply.headers(PAGE_HEADERS).header('set-cookie', clearedStateCookie(install.cookieName))
    if (outcome.ok) {
      const i = outcome.installation
      request.outcome = { verdict: 'accepted', kind: 'install', detail: i.key }
      return reply.code(200).send(successPage(i))
    }
    request.outcome = { verdict: 'rejected', kind: 'install', reason: outcome.reason, ...(outcome.detail !== undefined && { detail: outcome.detail }) }
    return reply.code(INSTALL_STATUS[outcome.reason]).send(errorPage(outcome.reason, outcome.detail))
  })
}

// A repeated parameter is joined, so that it fails the checks a single one passes (a
// state sent twice is not a state), and is never taken for an absent one.
function single(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) return value.map(String).join(',')
  return String(value)
}

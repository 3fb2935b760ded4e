import { z } from 'zod'

/**
 * What the gateway exchanges at `oauth.v2.access` (https://api.slack.com/methods/oauth.v2.access):
 * an install's authorization code (with the redirect URI it was issued for), or, with token
 * rotation on, a refresh token for a new access token (and a new refresh token: the old one
 * is revoked by the exchange).
 */
export type OAuthGrant =
  | { readonly grantType: 'authorization_code'; readonly code: string; readonly redirectUri: string }
  | { readonly grantType: 'refresh_token'; readonly refreshToken: string }

export interface OAuthV2AccessOptions {
  /** Base of the Web API, such as `https://slack.com/api` (`slack.apiUrl`). */
  readonly apiUrl: string
  readonly clientId: string
  /** Read when the request is made; sent only in the Authorization header. */
  readonly clientSecret: () => string
  /** Default 10 s. */
  readonly timeoutMs?: number
  readonly fetch?: typeof fetch
}

const idName = z.object({ id: z.string().min(1).max(64), name: z.string().max(512).optional() }).nullish()

const tokenFields = {
  access_token: z.string().min(1).max(4096).optional(),
  token_type: z.string().max(32).optional(),
  scope: z.string().max(8192).optional(),
  refresh_token: z.string().min(1).max(4096).optional(),
  expires_in: z.number().int().positive().max(10 * 365 * 86_400).optional(),
}

const successSchema = z.object({
  ok: z.literal(true),
  app_id: z.string().min(1).max(64).optional(),
  bot_user_id: z.string().min(1).max(64).optional(),
  ...tokenFields,
  team: idName,
  enterprise: idName,
  is_enterprise_install: z.boolean().optional(),
  authed_user: z.object({ id: z.string().min(1).max(64).optional(), ...tokenFields }).optional(),
})

/** Slack's answer, its fields renamed; tokens are here and nowhere else. */
export interface OAuthV2Access {
  readonly appId?: string
  readonly botUserId?: string
  /** The bot token (or, refreshing a user token, the user token): absent when only user scopes were granted. */
  readonly accessToken?: string
  readonly tokenType?: string
  readonly scopes: readonly string[]
  readonly refreshToken?: string
  /** Seconds from now. */
  readonly expiresIn?: number
  readonly team?: { readonly id: string; readonly name?: string }
  readonly enterprise?: { readonly id: string; readonly name?: string }
  readonly isEnterpriseInstall: boolean
  readonly authedUser?: {
    readonly id?: string
    readonly accessToken?: string
    readonly scopes: readonly string[]
    readonly refreshToken?: string
    readonly expiresIn?: number
  }
}

/** How the exchange failed. `slack`: Slack answered `ok: false` with `slackError`. */
export type OAuthV2AccessFailure = 'slack' | 'http_status' | 'network' | 'timeout' | 'malformed_response'

/**
 * The exchange failed. The message names the failure and Slack's error code (such as
 * `invalid_code`, `invalid_refresh_token`), never the code, a token or the client secret.
 */
export class OAuthV2AccessError extends Error {
  override readonly name = 'OAuthV2AccessError'
  constructor(
    readonly failure: OAuthV2AccessFailure,
    readonly slackError?: string,
    readonly status?: number,
  ) {
    super(`oauth.v2.access failed: ${failure}${slackError === undefined ? '' : ` (${slackError})`}${status === undefined ? '' : ` (HTTP ${status})`}`)
  }
}

// Slack's error codes are short snake_case; anything else is not repeated.
const SLACK_ERROR = /^[a-z0-9_]{1,64}$/
const MAX_BODY_BYTES = 64 * 1024

/**
 * Calls `oauth.v2.access`: the client authenticates with HTTP Basic (Slack's recommended form,
 * which keeps the secret out of the body), the grant goes in a form body. Resolves with the
 * parsed answer; rejects with `OAuthV2AccessError`. Never retried here: a code or refresh
 * token is single use, so a call that may have reached Slack is not sent again blindly.
 *
 * @example
 * const access = await oauthV2Access(
 *   { apiUrl: 'https://slack.com/api', clientId: '123.456', clientSecret: () => secret },
 *   { grantType: 'authorization_code', code, redirectUri: 'https://gw.example.com/slack/oauth_redirect' },
 * )
 */
export async function oauthV2Access(options: OAuthV2AccessOptions, grant: OAuthGrant): Promise<OAuthV2Access> {
  const doFetch = options.fetch ?? fetch
  const body = new URLSearchParams(
    grant.grantType === 'authorization_code'
      ? { code: grant.code, redirect_uri: grant.redirectUri }
      : { grant_type: 'refresh_token', refresh_token: grant.refreshToken },
  )
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret())}`).toString('base64')
  let res: Response
  try {
    res = await doFetch(`${options.apiUrl.replace(/\/+$/, '')}/oauth.v2.access`, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    })
  } catch (err) {
    throw new OAuthV2AccessError(isTimeout(err) ? 'timeout' : 'network')
  }
  let text: string
  try {
    text = await res.text()
  } catch (err) {
    throw new OAuthV2AccessError(isTimeout(err) ? 'timeout' : 'network')
  }
  if (res.status !== 200) throw new OAuthV2AccessError('http_status', undefined, res.status)
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new OAuthV2AccessError('malformed_response')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new OAuthV2AccessError('malformed_response')
  }
  if (typeof json === 'object' && json !== null && (json as { ok?: unknown }).ok === false) {
    const error = (json as { error?: unknown }).error
    throw new OAuthV2AccessError('slack', typeof error === 'string' && SLACK_ERROR.test(error) ? error : 'unknown_error')
  }
  const parsed = successSchema.safeParse(json)
  if (!parsed.success) throw new OAuthV2AccessError('malformed_response')
  return fromSlack(parsed.data)
}

function fromSlack(r: z.output<typeof successSchema>): OAuthV2Access {
  const u = r.authed_user
  return {
    ...(r.app_id !== undefined && { appId: r.app_id }),
    ...(r.bot_user_id !== undefined && { botUserId: r.bot_user_id }),
    ...(r.access_token !== undefined && { accessToken: r.access_token }),
    ...(r.token_type !== undefined && { tokenType: r.token_type }),
    scopes: splitScopes(r.scope),
    ...(r.refresh_token !== undefined && { refreshToken: r.refresh_token }),
    ...(r.expires_in !== undefined && { expiresIn: r.expires_in }),
    ...(r.team != null && { team: idAndName(r.team) }),
    ...(r.enterprise != null && { enterprise: idAndName(r.enterprise) }),
    isEnterpriseInstall: r.is_enterprise_install === true,
    ...(u !== undefined && {
      authedUser: {
        ...(u.id !== undefined && { id: u.id }),
        ...(u.access_token !== undefined && { accessToken: u.access_token }),
        scopes: splitScopes(u.scope),
        ...(u.refresh_token !== undefined && { refreshToken: u.refresh_token }),
        ...(u.expires_in !== undefined && { expiresIn: u.expires_in }),
      },
    }),
  }
}

function idAndName(x: { id: string; name?: string | undefined }): { id: string; name?: string } {
  return { id: x.id, ...(x.name !== undefined && { name: x.name }) }
}

/** Slack lists scopes comma-separated (`chat:write,commands`). */
export function splitScopes(scope: string | undefined): string[] {
  return scope === undefined ? [] : scope.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
}

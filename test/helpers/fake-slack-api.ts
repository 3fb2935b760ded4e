import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomBytes } from 'node:crypto'

/** The app credentials the fake's `oauth.v2.access` accepts unless told others. */
export const FAKE_CLIENT_ID = '1111111111.2222222222'
export const FAKE_CLIENT_SECRET = 'fake-client-secret-0123456789abcdef'

export interface FakeSlackOptions {
  /** The bot token `usergroups.users.list` (and every Web API method) accepts. */
  readonly token?: string
  readonly clientId?: string
  readonly clientSecret?: string
}

/** How the fake fails: reset connections, answer 500, never answer, or answer 429. */
export type FakeSlackDown = false | 'refuse' | '500' | 'hang' | 'ratelimit'

export interface FakeSlackCall {
  readonly method: string
  readonly params: Record<string, string>
  readonly authorization?: string
  /** `Date.now()` when the request arrived. */
  readonly at: number
}

export interface FakeSlackApi {
  /** Base of the Web API, like `http://127.0.0.1:PORT/api`. */
  readonly url: string
  /** The bot token the fake accepts. */
  readonly token: string
  setGroup(id: string, users: readonly string[]): void
  removeGroup(id: string): void
  setDown(mode: FakeSlackDown): void
  /** Every request that reached a handler, in order. */
  calls(): FakeSlackCall[]
  close(): Promise<void>
  /** Makes the fake accept another bearer token (a workspace's bot token). */
  acceptToken(token: string, identity?: FakeTokenIdentity): void
  /** Messages `chat.postMessage` posted, in order, with the token that posted each. */
  posts(): FakeSlackPost[]
  /**
   * How the next `chat.postMessage` fails, once: `500` posts the message and then answers 500
   * (the caller cannot tell it was posted); `429` posts nothing and answers 429 with
   * Retry-After (Slack ran nothing).
   */
  failNextPost(failure: { readonly status: 500 } | { readonly status: 429; readonly retryAfterSeconds: number }): void
  /** A rotating token pair the fake accepts, as `oauth.v2.access` would grant with token rotation on. */
  issueRotating(options?: { readonly expiresInSeconds?: number; readonly identity?: FakeTokenIdentity }): { token: string; refreshToken: string }
  /** Every refresh exchange (`oauth.v2.access`, `grant_type=refresh_token`) that reached the fake, in order. */
  refreshes(): FakeRefresh[]
  /** How refresh exchanges go from now on: delayed (to widen a race), or failing. */
  setRefresh(behaviour: { readonly delayMs?: number; readonly fail?: false | '500' | 'invalid_refresh_token' }): void
  /**
   * An authorization code, as Slack's authorize page issues one when an install is approved:
   * `oauth.v2.access` exchanges it once (then `invalid_code`) for this install, and the
   * tokens it grants are returned here (and accepted by the fake from the exchange on).
   */
  grantCode(grant: FakeInstallGrant): FakeGrantedCode
  /** Every code exchange (`oauth.v2.access` with a `code`) that reached the fake, in order. */
  codeExchanges(): Array<{ readonly code: string; readonly redirectUri?: string; readonly ok: boolean }>
  /**
   * A running custom step, as a `function_executed` event starts one: its token (by default a
   * random `xwfp-…`) is accepted by the Web API methods until `functions.completeSuccess` or
   * `completeError` finishes the step; from then on they answer `token_revoked`, and completing
   * it again answers `execution_not_in_running_state`.
   */
  startStep(executionId: string, options?: { readonly token?: string }): { token: string }
  /** Every `functions.completeSuccess` and `completeError` call that reached the fake, in order. */
  completions(): FakeCompletion[]
  /** The next `count` complete calls fail that way and complete nothing (Slack ran nothing). */
  failNextCompletions(count: number, failure: FakeCompletionFailure): void
}

/** How an injected completion failure answers: HTTP 500, HTTP 429 with Retry-After, or 200 with `ok: false` and this error. */
export type FakeCompletionFailure = { readonly status: 500 } | { readonly status: 429; readonly retryAfterSeconds: number } | { readonly error: string }

export interface FakeCompletion {
  readonly executionId: string
  readonly method: 'functions.completeSuccess' | 'functions.completeError'
  /** The outputs sent, parsed, when they were a JSON object. */
  readonly outputs?: Record<string, unknown>
  readonly error?: string
  readonly ok: boolean
  /** The error the fake answered with, when not ok. */
  readonly slackError?: string
  /** `Date.now()` when the call arrived. */
  readonly at: number
}

/** What an approved install grants (see `grantCode`). */
export interface FakeInstallGrant {
  readonly teamId?: string
  readonly teamName?: string
  readonly enterpriseId?: string
  readonly enterpriseName?: string
  readonly isEnterpriseInstall?: boolean
  readonly botScopes?: readonly string[]
  readonly userScopes?: readonly string[]
  /** The installer. */
  readonly userId?: string
  /** Token rotation on: the tokens expire and come with refresh tokens. */
  readonly rotating?: boolean
  /** The redirect URI the code was issued for: the exchange must name the same (else `bad_redirect_uri`). */
  readonly redirectUri?: string
}

export interface FakeGrantedCode {
  readonly code: string
  readonly botToken?: string
  readonly botRefreshToken?: string
  readonly userToken?: string
  readonly userRefreshToken?: string
}

/** Who a token speaks for, as `auth.test` answers. */
export interface FakeTokenIdentity {
  readonly teamId?: string
  readonly userId?: string
  readonly botId?: string
  readonly enterpriseId?: string
}

export interface FakeSlackPost {
  readonly token: string
  readonly channel: string
  readonly text?: string
  /** `Date.now()` when the post was made. */
  readonly at: number
}

export interface FakeRefresh {
  readonly refreshToken: string
  readonly ok: boolean
  /** The new access token granted, when it succeeded. */
  readonly token?: string
  readonly at: number
}

/**
 * A local Slack Web API on 127.0.0.1 that answers `usergroups.users.list` the way Slack
 * documents it (https://api.slack.com/methods/usergroups.users.list): `invalid_auth` for a
 * wrong bearer token, `no_such_subteam` for an unknown group, 429 with Retry-After when
 * rate limited. Also `auth.test`, `chat.postMessage` (recorded, and made to fail once on
 * request), `auth.revoke`, and `oauth.v2.access`: its code exchange (see `grantCode`) and
 * its refresh exchange, which like Slack's revokes the refresh token it is given
 * (https://api.slack.com/authentication/rotation). Custom steps (see `startStep`) are
 * finished with `functions.completeSuccess` and `functions.completeError`.
 */
export async function startFakeSlackApi(options: FakeSlackOptions = {}): Promise<FakeSlackApi> {
  const token = options.token ?? 'xoxb-fake-slack-token'
  const clientId = options.clientId ?? FAKE_CLIENT_ID
  const clientSecret = options.clientSecret ?? FAKE_CLIENT_SECRET
  const groups = new Map<string, readonly string[]>()
  const recorded: FakeSlackCall[] = []
  const sockets = new Set<Socket>()
  let down: FakeSlackDown = false
  // Web API methods: the tokens accepted, posts, and token rotation's single-use refresh tokens.
  const tokens = new Map<string, FakeTokenIdentity>([[token, {}]])
  const posted: FakeSlackPost[] = []
  let nextPostFailure: Parameters<FakeSlackApi['failNextPost']>[0] | undefined
  const refreshTokens = new Map<string, { readonly identity: FakeTokenIdentity; readonly expiresIn: number }>()
  const exchanged: FakeRefresh[] = []
  let refresh: Parameters<FakeSlackApi['setRefresh']>[0] = {}
  let issued = 0
  const rotating = (identity: FakeTokenIdentity, expiresIn: number) => {
    issued += 1
    const pair = { token: `xoxe.xoxb-1-fake${issued}-${randomBytes(12).toString('hex')}`, refreshToken: `xoxe-1-fake${issued}-${randomBytes(12).toString('hex')}` }
    tokens.set(pair.token, identity)
    refreshTokens.set(pair.refreshToken, { identity, expiresIn })
    return pair
  }

  const codes = new Map<string, { readonly grant: FakeInstallGrant; readonly granted: FakeGrantedCode }>()
  const codeExchanges: Array<{ readonly code: string; readonly redirectUri?: string; readonly ok: boolean }> = []
  const exchangeCode = (req: IncomingMessage, params: Record<string, string>, res: ServerResponse): true => {
    const code = params.code ?? ''
    const issuedFor = codes.get(code)
    const refuse = (error: string) => {
      codeExchanges.push({ code, ...(params.redirect_uri !== undefined && { redirectUri: params.redirect_uri }), ok: false })
      return answer(res, 200, { ok: false, error })
    }
    const client = clientCredentials(req, params)
    if (client.id !== clientId || client.secret !== clientSecret) return refuse('invalid_client')
    if (issuedFor === undefined) return refuse('invalid_code')
    const { grant, granted } = issuedFor
    if (grant.redirectUri !== undefined && params.redirect_uri !== grant.redirectUri) return refuse('bad_redirect_uri')
    codes.delete(code)
    codeExchanges.push({ code, ...(params.redirect_uri !== undefined && { redirectUri: params.redirect_uri }), ok: true })
    const identity = { ...(grant.teamId !== undefined && { teamId: grant.teamId }), ...(grant.enterpriseId !== undefined && { enterpriseId: grant.enterpriseId }) }
    if (granted.botToken !== undefined) tokens.set(granted.botToken, identity)
    if (granted.userToken !== undefined) tokens.set(granted.userToken, { ...identity, ...(grant.userId !== undefined && { userId: grant.userId }) })
    // With rotation on, the granted refresh tokens are good for one refresh exchange each.
    if (granted.botRefreshToken !== undefined) refreshTokens.set(granted.botRefreshToken, { identity, expiresIn: 43_200 })
    if (granted.userRefreshToken !== undefined) refreshTokens.set(granted.userRefreshToken, { identity: { ...identity, ...(grant.userId !== undefined && { userId: grant.userId }) }, expiresIn: 43_200 })
    const expiry = grant.rotating === true ? { expires_in: 43_200 } : {}
    return answer(res, 200, {
      ok: true,
      app_id: 'A0FAKEAPP',
      ...(granted.botToken !== undefined && {
        access_token: granted.botToken,
        token_type: 'bot',
        scope: (grant.botScopes ?? []).join(','),
        bot_user_id: 'U0FAKEBOT',
        ...(granted.botRefreshToken !== undefined && { refresh_token: granted.botRefreshToken, ...expiry }),
      }),
      team: grant.teamId === undefined ? null : { id: grant.teamId, ...(grant.teamName !== undefined && { name: grant.teamName }) },
      enterprise: grant.enterpriseId === undefined ? null : { id: grant.enterpriseId, ...(grant.enterpriseName !== undefined && { name: grant.enterpriseName }) },
      is_enterprise_install: grant.isEnterpriseInstall === true,
      authed_user: {
        id: grant.userId ?? 'U0INSTALLER',
        ...(granted.userToken !== undefined && {
          access_token: granted.userToken,
          token_type: 'user',
          scope: (grant.userScopes ?? []).join(','),
          ...(granted.userRefreshToken !== undefined && { refresh_token: granted.userRefreshToken, ...expiry }),
        }),
      },
    })
  }

  // Custom steps: each execution's token and state, and the completion failures still to inject.
  const steps = new Map<string, { readonly token: string; done: boolean }>()
  const revokedStepTokens = new Set<string>()
  const completed: FakeCompletion[] = []
  let completionFailures: { count: number; failure?: FakeCompletionFailure } = { count: 0 }
  const completeStep = (method: FakeCompletion['method'], req: IncomingMessage, params: Record<string, string>, res: ServerResponse): true => {
    const executionId = params.function_execution_id ?? ''
    const outputs = jsonObject(params.outputs)
    const record = (ok: boolean, slackError?: string) =>
      void completed.push({ executionId, method, ...(outputs !== undefined && { outputs }), ...(params.error !== undefined && { error: params.error }), ok, ...(slackError !== undefined && { slackError }), at: Date.now() })
    const refuse = (error: string, status = 200, headers: Record<string, string> = {}) => {
      record(false, error)
      return answer(res, status, { ok: false, error }, headers)
    }
    const failure = completionFailures.count > 0 ? completionFailures.failure : undefined
    if (failure !== undefined) {
      completionFailures.count -= 1
      if ('error' in failure) return refuse(failure.error)
      return failure.status === 429 ? refuse('ratelimited', 429, { 'retry-after': String(failure.retryAfterSeconds) }) : refuse('internal_error', 500)
    }
    const step = steps.get(executionId)
    if (step === undefined) return refuse('function_execution_not_found')
    if ((req.headers.authorization ?? '') !== `Bearer ${step.token}`) return refuse('invalid_auth')
    if (step.done) return refuse('execution_not_in_running_state')
    if (method === 'functions.completeSuccess' ? outputs === undefined : (params.error ?? '') === '') return refuse('invalid_arguments')
    // A step's token lasts until the step is finished, and no longer.
    step.done = true
    tokens.delete(step.token)
    revokedStepTokens.add(step.token)
    record(true)
    return answer(res, 200, { ok: true })
  }

  const webApi = async (method: string, req: IncomingMessage, params: Record<string, string>, res: ServerResponse): Promise<boolean> => {
    if (method === 'oauth.v2.access' && params.grant_type === undefined && params.code !== undefined) return exchangeCode(req, params, res)
    if (method === 'oauth.v2.access' && params.grant_type === 'refresh_token') {
      if (refresh.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, refresh.delayMs))
      const given = params.refresh_token ?? ''
      const record = (ok: boolean, granted?: string) => void exchanged.push({ refreshToken: given, ok, ...(granted !== undefined && { token: granted }), at: Date.now() })
      const refuse = (status: number, error: string) => {
        record(false)
        return answer(res, status, { ok: false, error })
      }
      if (refresh.fail === '500') return refuse(500, 'internal_error')
      const client = clientCredentials(req, params)
      if (client.id !== clientId || client.secret !== clientSecret) return refuse(200, 'invalid_client')
      const known = refreshTokens.get(given)
      if (known === undefined || refresh.fail === 'invalid_refresh_token') return refuse(200, 'invalid_refresh_token')
      // Slack revokes a refresh token once it is used (https://api.slack.com/authentication/rotation).
      refreshTokens.delete(given)
      const pair = rotating(known.identity, known.expiresIn)
      record(true, pair.token)
      reply(res, 200, {
        ok: true,
        app_id: 'A0FAKEAPP',
        access_token: pair.token,
        refresh_token: pair.refreshToken,
        expires_in: known.expiresIn,
        token_type: 'bot',
        scope: 'chat:write',
        ...(known.identity.userId !== undefined && { bot_user_id: known.identity.userId }),
        team: known.identity.teamId === undefined ? null : { id: known.identity.teamId },
        enterprise: known.identity.enterpriseId === undefined ? null : { id: known.identity.enterpriseId },
        is_enterprise_install: false,
      })
      return true
    }
    if (method === 'functions.completeSuccess' || method === 'functions.completeError') return completeStep(method, req, params, res)
    if (method !== 'auth.test' && method !== 'chat.postMessage' && method !== 'auth.revoke') return false
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    const identity = tokens.get(bearer)
    if (identity === undefined) return answer(res, 200, { ok: false, error: revokedStepTokens.has(bearer) ? 'token_revoked' : 'invalid_auth' })
    if (method === 'auth.revoke') {
      // https://api.slack.com/methods/auth.revoke: the token stops working at once.
      tokens.delete(bearer)
      return answer(res, 200, { ok: true, revoked: true })
    }
    if (method === 'auth.test') {
      reply(res, 200, { ok: true, url: 'https://fake.slack.invalid/', team_id: identity.teamId, user_id: identity.userId, bot_id: identity.botId, enterprise_id: identity.enterpriseId })
      return true
    }
    const failure = nextPostFailure
    nextPostFailure = undefined
    if (failure?.status === 429) return answer(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSeconds) })
    if (params.channel === undefined || params.channel === '') return answer(res, 200, { ok: false, error: 'channel_not_found' })
    const ts = `${Math.floor(Date.now() / 1000)}.${String(posted.length).padStart(6, '0')}`
    posted.push({ token: bearer, channel: params.channel, ...(params.text !== undefined && { text: params.text }), at: Date.now() })
    if (failure?.status === 500) return answer(res, 500, { ok: false, error: 'internal_error' })
    reply(res, 200, { ok: true, channel: params.channel, ts, message: { text: params.text } })
    return true
  }

  const server: Server = createServer((req, res) => {
    if (down === 'hang') return
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake.invalid')
      const method = url.pathname.replace(/^\/api\//, '')
      const params = { ...Object.fromEntries(url.searchParams), ...bodyParams(req, Buffer.concat(chunks)) }
      recorded.push({ method, params, ...authorization(req), at: Date.now() })
      if (down === '500') return reply(res, 500, { ok: false, error: 'internal_error' })
      if (down === 'ratelimit') return reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' })
      webApi(method, req, params, res).then((answered) => {
        if (answered) return
        if (method !== 'usergroups.users.list') return reply(res, 404, { ok: false, error: 'unknown_method' })
        if (req.headers.authorization !== `Bearer ${token}`) return reply(res, 200, { ok: false, error: 'invalid_auth' })
        const users = groups.get(url.searchParams.get('usergroup') ?? '')
        if (users === undefined) return reply(res, 200, { ok: false, error: 'no_such_subteam' })
        reply(res, 200, { ok: true, users })
      }, (err: unknown) => reply(res, 500, { ok: false, error: String(err) }))
    })
  })
  server.on('connection', (socket: Socket) => {
    // A reset, not a close: undici treats a quietly closed connection as one to wait on.
    if (down === 'refuse') return void socket.resetAndDestroy()
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    token,
    setGroup: (id, users) => void groups.set(id, [...users]),
    removeGroup: (id) => void groups.delete(id),
    setDown: (mode) => {
      down = mode
      // Keep-alive connections would otherwise dodge a refusal.
      if (mode === 'refuse') for (const socket of sockets) socket.resetAndDestroy()
    },
    calls: () => [...recorded],
    acceptToken: (value, identity = {}) => void tokens.set(value, identity),
    posts: () => [...posted],
    failNextPost: (failure) => void (nextPostFailure = failure),
    issueRotating: ({ expiresInSeconds = 43_200, identity = {} } = {}) => rotating(identity, expiresInSeconds),
    refreshes: () => [...exchanged],
    setRefresh: (behaviour) => void (refresh = behaviour),
    grantCode: (grant) => {
      const secret = () => randomBytes(12).toString('hex')
      const prefix = grant.rotating === true ? 'xoxe.' : ''
      const granted: FakeGrantedCode = {
        code: `${Date.now()}.${secret()}`,
        ...((grant.botScopes ?? []).length > 0 && { botToken: `${prefix}xoxb-1-install-${secret()}` }),
        ...((grant.botScopes ?? []).length > 0 && grant.rotating === true && { botRefreshToken: `xoxe-1-install-${secret()}` }),
        ...((grant.userScopes ?? []).length > 0 && { userToken: `${prefix}xoxp-1-install-${secret()}` }),
        ...((grant.userScopes ?? []).length > 0 && grant.rotating === true && { userRefreshToken: `xoxe-1-user-${secret()}` }),
      }
      codes.set(granted.code, { grant, granted })
      return granted
    },
    codeExchanges: () => [...codeExchanges],
    startStep: (executionId, { token: given } = {}) => {
      const value = given ?? `xwfp-1-fake-${randomBytes(12).toString('hex')}`
      steps.set(executionId, { token: value, done: false })
      tokens.set(value, {})
      return { token: value }
    },
    completions: () => [...completed],
    failNextCompletions: (count, failure) => void (completionFailures = { count, failure }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

/** The Web API takes form bodies (and JSON with a bearer token): their fields, as strings. */
function bodyParams(req: IncomingMessage, body: Buffer): Record<string, string> {
  if (body.length === 0) return {}
  const type = req.headers['content-type'] ?? ''
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
  }
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')))
}

/** A JSON object sent as a string field (`outputs`, as @slack/web-api sends it in a form), or undefined. */
function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `oauth.v2.access` takes the client's credentials as HTTP Basic auth or as form fields. */
function clientCredentials(req: IncomingMessage, params: Record<string, string>): { id?: string; secret?: string } {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
  if (basic !== null) {
    const [id, secret] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':')
    return { ...(id !== undefined && { id }), ...(secret !== undefined && { secret }) }
  }
  return { ...(params.client_id !== undefined && { id: params.client_id }), ...(params.client_secret !== undefined && { secret: params.client_secret }) }
}

function authorization(req: IncomingMessage): { authorization?: string } {
  const value = req.headers.authorization
  return value === undefined ? {} : { authorization: value }
}

/** Replies, and says the request was answered. */
function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): true {
  reply(res, status, body, headers)
  return true
}

function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** How the fake fails: reset connections, answer 500, never answer, or answer 429. */
export type FakeSlackDown = false | 'refuse' | '500' | 'hang' | 'ratelimit'

export interface FakeSlackCall {
  readonly method: string
  readonly params: Record<string, string>
  readonly authorization?: string
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
}

/**
 * A local Slack Web API on 127.0.0.1 that answers `usergroups.users.list` the way Slack
 * documents it (https://api.slack.com/methods/usergroups.users.list): `invalid_auth` for a
 * wrong bearer token, `no_such_subteam` for an unknown group, 429 with Retry-After when
 * rate limited.
 */
export async function startFakeSlackApi(options: { token?: string } = {}): Promise<FakeSlackApi> {
  const token = options.token ?? 'xoxb-fake-slack-token'
  const groups = new Map<string, readonly string[]>()
  const recorded: FakeSlackCall[] = []
  const sockets = new Set<Socket>()
  let down: FakeSlackDown = false

  const server: Server = createServer((req, res) => {
    if (down === 'hang') return
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const method = url.pathname.replace(/^\/api\//, '')
    recorded.push({ method, params: Object.fromEntries(url.searchParams), ...authorization(req) })
    if (down === '500') return reply(res, 500, { ok: false, error: 'internal_error' })
    if (down === 'ratelimit') return reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' })
    if (method !== 'usergroups.users.list') return reply(res, 404, { ok: false, error: 'unknown_method' })
    if (req.headers.authorization !== `Bearer ${token}`) return reply(res, 200, { ok: false, error: 'invalid_auth' })
    const users = groups.get(url.searchParams.get('usergroup') ?? '')
    if (users === undefined) return reply(res, 200, { ok: false, error: 'no_such_subteam' })
    reply(res, 200, { ok: true, users })
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

function authorization(req: IncomingMessage): { authorization?: string } {
  const value = req.headers.authorization
  return value === undefined ? {} : { authorization: value }
}

function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

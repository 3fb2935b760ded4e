import type { Server } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'

/**
 * Connections accepted beyond `maxConnections` so that health checks still get through
 * while the gateway is full. Past this headroom, Node closes a new connection at once.
 */
export const CONNECTION_HEADROOM = 16

/** Paths still answered on a connection over the cap: what operators and load balancers watch. */
export const ALWAYS_ANSWERED: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics'])

export interface ConnectionLimit {
  /** Connections open now, as counted from the server's `connection` events. */
  readonly open: () => number
  /**
   * Whether a connection was opened over the cap. Decided at its first request and kept
   * for the connection's life, so connections served before a flood stay served.
   */
  overCap(socket: object): boolean
}

/**
 * Bounds the connections one process holds, so that a flood of stalled clients cannot use
 * up its file descriptors (the cap sits well under the usual 1,024). Up to `max`
 * connections are served; the next `CONNECTION_HEADROOM` are answered on health paths only
 * (the routes answer 503 `too_many_connections`, see app.ts); past that, Node's
 * `server.maxConnections` closes new connections as they arrive, and a warning is logged
 * at most once a minute with the count closed since.
 */
export function limitConnections(server: Server, max: number, logger: FastifyBaseLogger, now: () => number = Date.now): ConnectionLimit {
  let open = 0
  server.maxConnections = max + CONNECTION_HEADROOM
  // `connection` is the TCP socket for HTTP and HTTPS alike, so TLS handshakes count too.
  server.on('connection', (socket: { once(event: 'close', listener: () => void): unknown }) => {
    open++
    socket.once('close', () => {
      open--
    })
  })
  let dropped = 0
  let warnedAt = Number.NEGATIVE_INFINITY
  server.on('drop', () => {
    dropped++
    const at = now()
    if (at - warnedAt < 60_000) return
    warnedAt = at
    logger.warn({ maxConnections: max, headroom: CONNECTION_HEADROOM, closed: dropped }, 'connection cap reached: closing new connections')
    dropped = 0
  })
  const decided = new WeakMap<object, boolean>()
  return {
    open: () => open,
    overCap(socket) {
      let over = decided.get(socket)
      if (over === undefined) {
        over = open > max
        decided.set(socket, over)
      }
      return over
    },
  }
}

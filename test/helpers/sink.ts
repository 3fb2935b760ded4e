import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  readonly headers: IncomingMessage['headers']
  readonly body: Record<string, unknown>
  /** The body exactly as received. */
  readonly raw: string
}

export interface Sink {
  readonly url: string
  readonly received: Received[]
  /** Status to answer with, per request (default 200). */
  status: (n: number) => number
  /** A JSON body to answer with, per request (default none). */
  answer: (n: number) => unknown
  /** Connections open now: once the only sender is dead and this is 0, all it sent has been read. */
  connections(): number
  close(): Promise<void>
}

/** A local internal service that records what the gateway forwards to it. */
export async function startSink(): Promise<Sink> {
  const received: Received[] = []
  const sink = {
    received,
    status: (_n: number) => 200,
    answer: (_n: number): unknown => undefined,
  } as { -readonly [K in keyof Sink]: Sink[K] }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = sink.status(received.length + 1)
      const answer = sink.answer(received.length + 1)
      const raw = Buffer.concat(chunks).toString('utf8')
      received.push({ headers: req.headers, body: JSON.parse(raw) as Record<string, unknown>, raw })
      res.statusCode = status
      if (answer === undefined) return res.end()
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(answer))
    })
  })
  let open = 0
  server.on('connection', (socket) => {
    open++
    socket.once('close', () => open--)
  })
  sink.connections = () => open
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`
  sink.close = () => new Promise((resolve) => server.close(() => resolve()))
  return sink as Sink
}

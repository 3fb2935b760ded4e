import { connect, type Socket } from 'node:net'

/** Opens a TCP connection to 127.0.0.1:port. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Resolves with everything the server sends until it closes, or with what came within `ms`. */
export function readResponse(socket: Socket, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    let data = ''
    const done = () => {
      clearTimeout(timer)
      resolve(data)
    }
    const timer = setTimeout(done, ms)
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1')
    })
    socket.once('close', done)
    socket.once('error', done)
  })
}

/** Resolves once the first full status line arrives. */
export function firstStatus(socket: Socket, ms = 5000): Promise<number | undefined> {
  return new Promise((resolve) => {
    let data = ''
    const timer = setTimeout(() => resolve(undefined), ms)
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
  })
}

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * A throwaway redis-server of the test's own, on its own port, so a test can stop and
 * restart it without touching the Redis the other suites share.
 */
export interface OwnRedis {
  readonly url: string
  start(): Promise<void>
  stop(): Promise<void>
}

export interface OwnRedisOptions {
  /** An append-only file with this fsync policy, in a directory of its own; none by default. */
  readonly appendfsync?: 'always' | 'everysec' | 'no'
}

export async function ownRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}`
  // A directory of its own, so that appendonly can also be turned on while it runs.
  const dir = ['--dir', mkdtempSync(join(tmpdir(), 'slackgate-redis-'))]
  const persistence = options.appendfsync === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', options.appendfsync]
  return {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...dir, ...persistence], { stdio: 'ignore' })
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => undefined)
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect()
          await probe.ping()
          probe.disconnect()
          return
        } catch {
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      throw new Error('redis-server did not start')
    },
    async stop() {
      if (child === undefined || child.exitCode !== null) return
      const exited = new Promise((resolve) => child?.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
}

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './server.js'

/** A redis-server of the bench's own, with its data in a temporary directory. */
export interface BenchRedis {
  readonly pid: number
  readonly url: string
  /** The `appendfsync` policy it runs with. */
  readonly fsync: 'always' | 'everysec'
  /** Deletes every key (between runs, so that no job of one run is delivered in the next). */
  flush(): Promise<void>
  /** Kills redis-server by its pid and removes its directory; safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts redis-server on a free 127.0.0.1 port with no snapshots and an append-only file
 * synced as `fsync` says, so that what the gateway acks survives a crash of Redis (with
 * `always`) and the gateway's persistence check passes. Resolves once it answers PING.
 * The process is also killed if the bench exits without calling stop().
 *
 * @example
 * const redis = await startRedis('always')
 * try { … redis.url … } finally { await redis.stop() }
 */
export async function startRedis(fsync: 'always' | 'everysec'): Promise<BenchRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', fsync, '--dir', dir]
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)))
  const pid = child.pid as number
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', killOnExit)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  // Refused connections while it starts are expected: connect() rejects and the loop retries.
  client.on('error', () => {})
  try {
    const deadline = Date.now() + 10_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr}`)
      try {
        await client.connect()
        await client.ping()
        break
      } catch (err) {
        client.disconnect()
        if (Date.now() > deadline) throw new Error(`redis-server did not answer within 10 s: ${String(err)} ${stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  } catch (err) {
    await stop()
    throw err
  } finally {
    client.disconnect()
  }
  return {
    pid,
    url,
    fsync,
    async flush() {
      const admin = new Redis(url, { maxRetriesPerRequest: 1 })
      try {
        await admin.flushall()
      } finally {
        admin.disconnect()
      }
    },
    stop,
  }
}

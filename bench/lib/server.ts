import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RunningServer {
  readonly pid: number
  readonly port: number
  /** Stops the process (SIGTERM, then SIGKILL) and returns its peak resident set in MB. */
  stop(): Promise<{ peakRssMb: number }>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts `node <args>` pinned to `core` with taskset (which execs, so the pid is node's),
 * and resolves once its port accepts connections.
 */
export async function startServer(args: readonly string[], env: Record<string, string>, core = 0): Promise<RunningServer> {
  const port = await freePort()
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of every server into DIR (open it in Chrome
  // DevTools or speedscope for a flame graph).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const child = spawn('taskset', ['-c', String(core), process.execPath, ...profile, ...args], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const pid = child.pid as number
  const deadline = Date.now() + 30_000
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not listen within 30 s: ${stderr}`)
    }
    await sleep(50)
  }
  return {
    pid,
    port,
    async stop() {
      const peakRssMb = peakRss(pid)
      await terminate(child)
      return { peakRssMb }
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** VmHWM: the process's peak resident set size so far. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN)
  return Math.round(kb / 1024)
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

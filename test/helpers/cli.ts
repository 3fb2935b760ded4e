import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI; `npm test` builds before running the suite. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }

export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string | Buffer } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...baseEnv, ...options.env },
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    timeout: 15_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface RunningGateway {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `slackgate <command>` on an ephemeral port and resolves once it listens. */
export function startGateway(command: 'start' | 'dev', options: { env?: Record<string, string>; cwd?: string; args?: string[] }): Promise<RunningGateway> {
  const child = spawn(process.execPath, [CLI, command, ...(options.args ?? [])], {
    env: { ...baseEnv, PORT: '0', ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL')
      reject(new Error(`gateway did not start:\n${out}`))
    }, 10_000)
    const onData = () => {
      const m = /"address":"(https?:\/\/[^"]+)"/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1] as string, output: () => out, stop })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${out}`))
    })
  })
}

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ReadyChild {
  /** Tells the child to start (a line on its stdin). */
  go(): void
  /** Resolves with everything it printed once it exited 0 having printed `done`; rejects otherwise, with its output. */
  finished(): Promise<string>
}

/**
 * Starts `node --import tsx <script> ...args` from the repository root and resolves once it
 * printed `ready`: the fixture protocol of the multi-process races (`ready`, wait for a line
 * on stdin, work, `done`). Every child started is pushed to `children`, for the test to kill.
 */
export async function startReadyChild(script: string, args: readonly string[], children: ChildProcess[], env?: NodeJS.ProcessEnv): Promise<ReadyChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...(env !== undefined && { env }) })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => out.includes('ready\n') && resolve())
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${out}`)))
  })
  return {
    go: () => void child.stdin?.write('go\n'),
    finished: async () => {
      const code = await exited
      if (code !== 0 || !out.includes('done\n')) throw new Error(`${script} failed (${code}):\n${out}`)
      return out
    },
  }
}

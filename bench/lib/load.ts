import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { CpuSource, LoadJob, LoadResult } from './load-client.js'

const client = fileURLToPath(new URL('./load-client.ts', import.meta.url))

/**
 * Runs the load generator in its own process, pinned to `core`, and returns its figures;
 * aborting `signal` kills that process (by its pid: taskset execs node).
 */
export function runLoad(job: LoadJob, core = 1, signal?: AbortSignal): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'taskset',
      ['-c', String(core), process.execPath, '--import', 'tsx', client, JSON.stringify(job)],
      { timeout: (job.durationSeconds + 60) * 1000, maxBuffer: 1 << 20, ...(signal !== undefined && { signal }) },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`load generator failed: ${err.message}\n${stderr}`))
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as LoadResult)
      },
    )
  })
}

export type { CpuSource, LoadJob, LoadResult }

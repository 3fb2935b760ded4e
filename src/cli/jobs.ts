import type { JobQueue } from '../dispatch/job-queue.js'
import type { JobInfo, JobState } from '../dispatch/job.js'
import { CliError } from './cli-error.js'

const STATES: readonly JobState[] = ['queued', 'active', 'dead']

/** `slackgate jobs list`: one line per job (or JSON lines), oldest first. */
export async function listJobs(queue: JobQueue, options: { state?: string; limit?: string; json?: boolean }): Promise<string> {
  if (options.state !== undefined && !(STATES as readonly string[]).includes(options.state)) {
    throw new CliError(`--state must be one of ${STATES.join(', ')}`)
  }
  const limit = options.limit === undefined ? 100 : Number(options.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CliError('--limit must be a whole number from 1 to 10000')
  const jobs = await queue.list({ ...(options.state !== undefined && { state: options.state as JobState }), limit })
  if (options.json === true) return jobs.map((j) => JSON.stringify(j)).join('\n')
  if (jobs.length === 0) return options.state === undefined ? 'no jobs' : `no ${options.state} jobs`
  return [header(), ...jobs.map(line)].join('\n')
}

/** `slackgate jobs retry ID`: puts a dead job back in the queue with a fresh attempt count. */
export async function retryJob(queue: JobQueue, id: string): Promise<string> {
  if (!(await queue.retry(id))) throw new CliError(`no dead job ${id}`)
  return `job ${id} queued again`
}

/** `slackgate jobs drop ID`: deletes a dead or waiting job. */
export async function dropJob(queue: JobQueue, id: string): Promise<string> {
  if (!(await queue.drop(id))) throw new CliError(`no dead or waiting job ${id}`)
  return `job ${id} dropped`
}

function header(): string {
  return ['ID'.padEnd(36), 'STATE ', 'ROUTE'.padEnd(20), 'ATTEMPTS', 'ENQUEUED'.padEnd(24), 'LAST ERROR'].join('  ')
}

function line(j: JobInfo): string {
  return [
    j.id.padEnd(36),
    j.state.padEnd(6),
    j.route.padEnd(20),
    `${j.attempts}/${j.maxAttempts}`.padEnd(8),
    new Date(j.enqueuedAt).toISOString().padEnd(24),
    j.lastError ?? '',
  ].join('  ')
}

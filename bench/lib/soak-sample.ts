import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { parseQueueMetrics } from './queue-metrics.js'

/** What an embedded gateway holds at one moment of a soak run. */
export interface SoakSample {
  /** When the gateway's `/metrics` answered, in epoch milliseconds. */
  readonly at: number
  /** VmRSS of the gateway process, in MB. */
  readonly rssMb: number
  /** Rows of the `nonce_keys`, `job_idempotency_keys` and `jobs` tables. */
  readonly nonceRows: number
  readonly idempotencyRows: number
  readonly jobRows: number
  /** `slackgate.db` plus its `-wal`, in MB. */
  readonly diskMb: number
  /** `slackgate_replay_keys`: keys the in-process replay store holds. */
  readonly replayKeys: number
  /** Jobs waiting or in delivery (`slackgate_queue_jobs` queued + active). */
  readonly backlog: number
  /** `slackgate_requests_total{verdict="accepted"}` and delivered attempts so far, summed over labels. */
  readonly accepted: number
  readonly delivered: number
}

/**
 * The counters a soak run reads from a gateway's Prometheus text beside the queue figures.
 *
 * @example
 * parseSoakMetrics('slackgate_replay_keys 12\n').replayKeys // 12
 */
export function parseSoakMetrics(text: string): { readonly replayKeys: number; readonly accepted: number } {
  let replayKeys = 0
  let accepted = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('slackgate_replay_keys ')) replayKeys = Number(line.slice('slackgate_replay_keys '.length))
    const request = /^slackgate_requests_total\{([^}]*)\} (\S+)$/.exec(line)
    if (request !== null && (request[1] as string).includes('verdict="accepted"')) accepted += Number(request[2])
  }
  return { replayKeys, accepted }
}

/**
 * Samples gateway `pid` serving on `origin` with its data in `dataDir`: its resident set from
 * /proc, its key and job tables from `slackgate.db` opened read-only (WAL lets a reader in
 * while the gateway writes), the file sizes, and its `/metrics`.
 *
 * @example
 * const sample = await sampleGateway(gateway.pid, 'http://127.0.0.1:3000', gateway.dataDir)
 */
export async function sampleGateway(pid: number, origin: string, dataDir: string): Promise<SoakSample> {
  const response = await fetch(`${origin}/metrics`)
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`)
  const text = await response.text()
  const at = Date.now()
  const queue = parseQueueMetrics(text, at)
  const path = join(dataDir, 'slackgate.db')
  const db = new Database(path, { readonly: true, fileMustExist: true })
  let rows: { nonceRows: number; idempotencyRows: number; jobRows: number }
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    rows = { nonceRows: count('nonce_keys'), idempotencyRows: count('job_idempotency_keys'), jobRows: count('jobs') }
  } finally {
    db.close()
  }
  return {
    at,
    rssMb: residentMb(pid),
    ...rows,
    diskMb: Math.round(((fileBytes(path) + fileBytes(`${path}-wal`)) / 2 ** 20) * 10) / 10,
    ...parseSoakMetrics(text),
    backlog: queue.queued + queue.active,
    delivered: queue.delivered,
  }
}

/** VmRSS: the process's resident set now, in MB. */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN)
  return Math.round(kb / 1024)
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

// `npm run bench:soak`: the embedded gateway at saturation for minutes on end, with a replay
// TTL short enough that keys expire many times over, sampled at a fixed interval: its resident
// set, its key and job tables, its file on disk, its in-memory replay keys and its backlog.
// The verdict says whether the key tables and memory stayed flat over the second half.
// Gateway on core 0, load generator on core 1, as in `npm run bench`; both killed by pid on
// exit, on error and on SIGINT/SIGTERM.
import { mkdirSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Command } from 'commander'
import { DRAIN_LIMIT_MS } from './http.js'
import { runLoad } from './lib/load.js'
import { awaitDrained } from './lib/queue-metrics.js'
import { fmt, machine, table } from './lib/report.js'
import { startSlackgate } from './lib/slackgate-server.js'
import { sampleGateway, type SoakSample } from './lib/soak-sample.js'
import { BACKLOG_FLOOR, soakVerdict } from './lib/soak-verdict.js'

/** How often the gateway deletes expired key records (nonce store and queue alike). */
const PURGE_INTERVAL_SECONDS = 60

const cli = new Command()
  .option('--minutes <n>', 'length of the loaded run', '10')
  .option('--ttl <s>', "the gateway's replay.ttlSeconds", '120')
  .option('--interval <s>', 'seconds between samples (default 30, or a twelfth of a shorter run)')
  .option('--tolerance <fraction>', 'how far a sample of the second half may stray from its mean', '0.25')
  .option('--connections <n>', 'closed-loop connections of the load generator', '100')
  .parse()
const opts = cli.opts<{ minutes: string; ttl: string; interval?: string; tolerance: string; connections: string }>()
const seconds = Math.round(Number(opts.minutes) * 60)
const ttl = Number(opts.ttl)
const tolerance = Number(opts.tolerance)
const connections = Number(opts.connections)
const interval = opts.interval === undefined ? Math.min(30, seconds / 12) : Number(opts.interval)
if (!(seconds >= 10)) throw new Error('--minutes gives a run of at least 10 s')
if (!Number.isInteger(ttl) || ttl < 2) throw new Error('--ttl is a whole number of seconds, at least 2')
if (!(tolerance > 0 && tolerance < 1)) throw new Error('--tolerance is a fraction between 0 and 1')
if (!(interval >= 1)) throw new Error('--interval is at least 1 s')
if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections is a count')

// The gateway wants ttlSeconds ≥ 2 × the timestamp window. Each load chunk signs every request
// with the timestamp it started at, so a chunk lasts at most half the window: its last
// requests are still fresh.
const toleranceSeconds = Math.min(60, Math.floor(ttl / 2))
const chunkSeconds = Math.max(1, Math.min(30, Math.floor(toleranceSeconds / 2)))
const log = (message: string) => process.stderr.write(`${message}\n`)
const host = machine()

const gateway = await startSlackgate({ mode: 'embedded', replayTtlSeconds: ttl, timestampToleranceSeconds: toleranceSeconds })
const origin = `http://127.0.0.1:${gateway.port}`
const stopping = new AbortController()
let stopped: Promise<unknown> | undefined
const stopAll = () => {
  stopping.abort()
  stopped ??= gateway.stop()
  return stopped
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)))
}
log(`slackgate ${gateway.pid} on core 0: replay.ttlSeconds ${ttl}, timestamp window ${toleranceSeconds} s; ${seconds} s of load in ${chunkSeconds} s chunks, a sample every ${interval} s`)

const load = { requests: 0, acked: 0, non2xx: 0, errors: 0, chunks: 0, unavailable: {} as Record<string, number> }
const samples: Array<SoakSample & { readonly t: number }> = []
let drainSeconds: number | null
const startedAt = Date.now()
const endsAt = startedAt + seconds * 1000
try {
  await Promise.all([drive(), sample()])
  const drainedAt = await awaitDrained(origin, DRAIN_LIMIT_MS)
  drainSeconds = drainedAt === undefined ? null : Math.max(0, drainedAt - endsAt) / 1000
} finally {
  await stopAll()
}

/** Closed-loop load until the end of the run, in chunks with distinct run ids. */
async function drive(): Promise<void> {
  for (let now = Date.now(); now < endsAt && !stopping.signal.aborted; now = Date.now()) {
    const durationSeconds = Math.max(1, Math.min(chunkSeconds, Math.round((endsAt - now) / 1000)))
    const job = { url: origin, path: '/slack/commands', connections, durationSeconds, bodyBytes: 600, command: '/deploy', runId: `s${process.pid}.${load.chunks++}` }
    const result = await runLoad(job, 1, stopping.signal)
    load.requests += result.requests
    load.acked += result.acked
    load.non2xx += result.non2xx
    load.errors += result.errors
    for (const [reason, n] of Object.entries(result.unavailable)) load.unavailable[reason] = (load.unavailable[reason] ?? 0) + n
  }
}

/** A sample at the start and every `interval` seconds after it, the last at the end of the run. */
async function sample(): Promise<void> {
  for (let k = 0; !stopping.signal.aborted; k++) {
    const due = Math.min(startedAt + k * interval * 1000, endsAt)
    if (due > Date.now()) await sleep(due - Date.now())
    const s = await sampleGateway(gateway.pid, origin, gateway.dataDir)
    samples.push({ ...s, t: Math.round((s.at - startedAt) / 1000) })
    log(`t=${samples.at(-1)?.t} s: RSS ${s.rssMb} MB, nonce_keys ${fmt(s.nonceRows)}, job_idempotency_keys ${fmt(s.idempotencyRows)}, backlog ${fmt(s.backlog)}`)
    if (due >= endsAt) return
  }
}

const rows = samples.map((s, i) => {
  const previous = samples[i - 1]
  const rate = (f: (x: SoakSample) => number) => (previous === undefined ? 0 : Math.round(((f(s) - f(previous)) * 1000) / Math.max(1, s.at - previous.at)))
  // Keys held, in seconds of traffic: a key lives ttl seconds and its record until the next
  // purge, so each table holds the requests of the last ttl + PURGE_INTERVAL_SECONDS at most,
  // whatever the throughput. Throughput moves on a shared machine; this does not.
  const from = samples.findLast((x) => x.at <= s.at - (ttl + PURGE_INTERVAL_SECONDS) * 1000)
  const recent = from === undefined ? NaN : (s.accepted - from.accepted) / ((s.at - from.at) / 1000)
  const held = (n: number) => Math.round((n / recent) * 10) / 10
  return {
    ...s,
    acceptedPerSecond: rate((x) => x.accepted),
    deliveredPerSecond: rate((x) => x.delivered),
    nonceSeconds: held(s.nonceRows),
    idempotencySeconds: held(s.idempotencyRows),
    replaySeconds: held(s.replayKeys),
  }
})
const measured = rows.slice(1)
const acceptedPerSecond = Math.round((load.acked * 1000) / Math.max(1, (samples.at(-1)?.at ?? endsAt) - startedAt))
const heldCeiling = ttl + PURGE_INTERVAL_SECONDS
const verdict = soakVerdict(measured, ['nonceSeconds', 'idempotencySeconds', 'replaySeconds', 'rssMb'], seconds, tolerance, {
  nonceSeconds: heldCeiling,
  idempotencySeconds: heldCeiling,
  replaySeconds: heldCeiling,
})
const names: Record<string, string> = {
  nonceSeconds: '`nonce_keys`, s of traffic',
  idempotencySeconds: '`job_idempotency_keys`, s of traffic',
  replaySeconds: '`slackgate_replay_keys`, s of traffic',
  rssMb: 'gateway RSS MB',
}
const yes = (b: boolean) => (b ? 'yes' : '**no**')
const pct = Math.round(tolerance * 100)

const result = {
  machine: host,
  options: { seconds, ttlSeconds: ttl, timestampToleranceSeconds: toleranceSeconds, chunkSeconds, intervalSeconds: interval, tolerance, connections },
  load: { ...load, acceptedPerSecond },
  drainSeconds,
  samples: rows,
  verdict,
}
const md = [
  `# slackgate soak, ${host.date.slice(0, 10)}`,
  '',
  `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; commit ${host.commit}. Embedded gateway (SQLite) pinned to core 0, load generator to core 1.`,
  '',
  `${fmt(seconds)} s at saturation (${connections} connections, closed loop, signed slash commands with distinct trigger_ids, in ${chunkSeconds} s chunks); replay.ttlSeconds ${ttl}, slack.timestampToleranceSeconds ${toleranceSeconds}; expired keys purged every ${PURGE_INTERVAL_SECONDS} s. ${fmt(load.requests)} requests, ${fmt(load.acked)} acked (${fmt(acceptedPerSecond)}/s), ${load.non2xx + load.errors} non-2xx or failed${Object.keys(load.unavailable).length === 0 ? '' : ` (503: ${Object.entries(load.unavailable).map(([reason, n]) => `${reason} ${n}`).join(', ')})`}. Backlog ${drainSeconds === null ? `not drained within ${DRAIN_LIMIT_MS / 1000} s` : `drained ${fmt(drainSeconds)} s after the run`}.`,
  '',
  table(
    ['t s', 'RSS MB', 'nonce_keys', 'job_idempotency_keys', 'jobs', 'db + WAL MB', 'replay keys', 'backlog', 'accepted/s', 'delivered/s'],
    rows.map((r, i) => [r.t, r.rssMb, fmt(r.nonceRows), fmt(r.idempotencyRows), fmt(r.jobRows), r.diskMb, fmt(r.replayKeys), fmt(r.backlog), i === 0 ? '–' : fmt(r.acceptedPerSecond), i === 0 ? '–' : fmt(r.deliveredPerSecond)]),
  ),
  '',
  `## Verdict: ${verdict.flat ? 'flat' : 'not flat'}`,
  '',
  table(
    ['series (second half)', 'mean', 'min', 'max', '3rd-quarter peak', '4th-quarter peak', `within ±${pct}% of mean, or under its ceiling`, 'no upward trend'],
    verdict.checks.map((c) => [
      names[c.series] ?? c.series,
      fmt(Math.round(c.mean)),
      fmt(c.min),
      fmt(c.max),
      fmt(c.q3Peak),
      fmt(c.q4Peak),
      `${yes(c.withinBand)}${c.ceiling === undefined ? '' : ` (ceiling ${fmt(c.ceiling)} s + ${fmt(pct / 2)}%)`}`,
      c.ceiling === undefined ? yes(c.noUpwardTrend) : '– (bounded)',
    ]),
  ),
  '',
  `Backlog bounded: ${yes(verdict.backlogBounded)}.${verdict.enoughSamples ? '' : ' **Too few samples to judge: each of the last two quarters needs at least two.**'}`,
  '',
  [
    `A key series "s of traffic" is its count divided by accepted/s over the preceding ${ttl + PURGE_INTERVAL_SECONDS} s or more (ttl + purge interval): how many`,
    "seconds of requests it holds, which stays put when throughput moves (the raw counts are in the table above).",
    `A key lives ttl seconds and its record until the next purge, so each key series' ceiling is ttl + ${PURGE_INTERVAL_SECONDS} s = ${fmt(heldCeiling)} s.`,
    `Flat means: over the second half of the run, every sample of each key series stays under its ceiling + ${fmt(pct / 2)}% and every RSS`,
    `sample lies within ±${pct}% of its mean, and the RSS's 4th-quarter peak is at most ${fmt(pct / 2)}% above its 3rd-quarter peak (peaks, not`,
    `means: a purge every ${PURGE_INTERVAL_SECONDS} s sampled every ${fmt(interval)} s puts more troughs in one quarter than the next); the backlog (queued + active jobs) is bounded when its`,
    `4th-quarter mean is under ${BACKLOG_FLOOR} jobs or at most ${pct}% above its 3rd-quarter mean. Rows of the key tables saw-tooth`,
    `between about accepted/s × ttl (${fmt(acceptedPerSecond * ttl)}) and accepted/s × (ttl + ${PURGE_INTERVAL_SECONDS} s) (${fmt(acceptedPerSecond * (ttl + PURGE_INTERVAL_SECONDS))})`,
    'with the purge, so a TTL short next to the purge interval widens the band. The database file grows with the audit log,',
    'which is append-only by design; `jobs` holds only jobs not yet delivered.',
  ].join('\n'),
  '',
].join('\n')

const dir = new URL('./results/', import.meta.url)
mkdirSync(dir, { recursive: true })
const stem = `${host.date.slice(0, 19).replace(/[:T]/g, '-')}-${host.host}-soak`
writeFileSync(new URL(`${stem}.json`, dir), `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(new URL(`${stem}.md`, dir), md)
process.stdout.write(md)
log(`results: bench/results/${stem}.{json,md}`)

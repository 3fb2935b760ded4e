// `npm run bench`: every figure slackgate quotes, measured side by side in one run.
// Servers run pinned to core 0 and the load generator to core 1 (taskset). The distributed
// rows run against a redis-server the bench starts itself (redis-server on PATH; append-only,
// fsync per --redis-fsync; killed by pid at the end) and PostgreSQL (DATABASE_URL; a database
// slackgate_bench is created afresh).
import { mkdirSync, writeFileSync } from 'node:fs'
import { Command } from 'commander'
import pg from 'pg'
import { sqliteAuditGrowth, type AuditGrowthRow } from './growth-audit.js'
import { redisNonceGrowth, sqliteNonceGrowth, type NonceGrowthRow } from './growth-nonces.js'
import { baseline, bolt, DRAIN_LIMIT_MS, measure, noop, slackgate, type HttpRun, type MeasureOptions, type Scenario } from './http.js'
import { startRedis } from './lib/redis-server.js'
import { capacityNote, capacityTable, componentRows, deliveryNote, deliveryTable, latencyTable, machine, table, fmt } from './lib/report.js'
import { median } from './lib/stats.js'
import { microPolicy } from './micro-policy.js'
import { microTokens } from './micro-tokens.js'
import { microVerify, round2 } from './micro-verify.js'

const cli = new Command()
  .option('--rounds <n>', 'interleaved rounds of the HTTP comparison', '2')
  .option('--duration <s>', 'seconds per measured HTTP run', '10')
  .option('--growth-duration <s>', 'seconds per HTTP growth run', '5')
  .option('--skip-growth', 'only the micro and HTTP comparisons')
  .option('--offered-rate <n>', 'requests/s of the open-loop latency rows', '1000')
  .option('--redis-fsync <policy>', "the bench Redis's appendfsync: always or everysec", 'always')
  .parse()
const opts = cli.opts<{ rounds: string; duration: string; growthDuration: string; skipGrowth?: boolean; offeredRate: string; redisFsync: string }>()
if (opts.redisFsync !== 'always' && opts.redisFsync !== 'everysec') throw new Error('--redis-fsync is always or everysec')
const offeredRate = Number(opts.offeredRate)
if (!(offeredRate > 0)) throw new Error('--offered-rate is a number of requests/s above 0')
const databaseUrl = await freshDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 'slackgate_bench')
const log = (message: string) => process.stderr.write(`${message}\n`)

const http: MeasureOptions = { durationSeconds: Number(opts.duration), warmupSeconds: 2, connections: 100 }
const growthHttp: MeasureOptions = { durationSeconds: Number(opts.growthDuration), warmupSeconds: 1, connections: 50 }

const host = machine()
log(`slackgate bench on ${host.cpu} (${host.cores} cores), Node ${host.node}`)

log('micro: verify')
const micro = microVerify()
log('micro: gateway tokens')
const tokens = await microTokens()
log('micro: access policy')
const policy = microPolicy()

log('load generator ceilings')
const ceilings = [] as Array<{ engine: string; rps: number }>
for (const engine of ['undici', 'autocannon'] as const) {
  const run = await measure(noop, 0, { ...http, durationSeconds: 5, warmupSeconds: 1, engine })
  ceilings.push({ engine, rps: run.load.rps })
}

// Killed by pid below, or by its exit hook if the bench fails before that.
const redis = await startRedis(opts.redisFsync)
log(`redis-server ${redis.pid} at ${redis.url}, appendonly yes, appendfsync ${redis.fsync}`)
const embedded = slackgate('slackgate embedded (SQLite)', { mode: 'embedded' })
const distributed = slackgate(
  'slackgate distributed (Redis, PostgreSQL audit)',
  { mode: 'distributed', redisUrl: redis.url, databaseUrl },
  { components: { redis: { pid: redis.pid }, postgres: { command: 'postgres' } }, prepare: () => redis.flush() },
)
// The same route answering in the ack (a no-op ack before the 200, then the same job): what a
// synchronous handler adds to the ack's latency.
// In distributed mode the ack runs in the instance that took the request, as everything before the 200 does.
const embeddedAck = slackgate('slackgate embedded, answered in the ack', { mode: 'embedded', ack: true })
const distributedAck = slackgate(
  'slackgate distributed, answered in the ack',
  { mode: 'distributed', redisUrl: redis.url, databaseUrl, ack: true },
  { components: { redis: { pid: redis.pid }, postgres: { command: 'postgres' } }, prepare: () => redis.flush() },
)
// The admin console mounted on the same server: it must add nothing to the Slack path.
const embeddedConsole = slackgate('slackgate embedded, admin console on', { mode: 'embedded', console: true })
const contenders: Scenario[] = [baseline, bolt, embedded, distributed, embeddedAck, distributedAck, embeddedConsole]
const runs: HttpRun[] = []
const offeredRuns: HttpRun[] = []
for (let round = 1; round <= Number(opts.rounds); round++) {
  for (const scenario of contenders) {
    log(`http round ${round}: ${scenario.name}`)
    runs.push(await measure(scenario, round, http))
    log(`http round ${round}: ${scenario.name} at ${offeredRate} req/s offered`)
    offeredRuns.push(await measure(scenario, round, { ...http, rate: offeredRate }))
  }
}
const summarise = (all: readonly HttpRun[]) =>
  contenders.map((s) => {
    const mine = all.filter((r) => r.server === s.name)
    const pick = (f: (r: HttpRun) => number) => median(mine.map(f))
    const queues = mine.flatMap((r) => (r.queue === undefined ? [] : [r.queue]))
    const unavailable: Record<string, number> = {}
    for (const r of mine) for (const [reason, n] of Object.entries(r.load.unavailable)) unavailable[reason] = (unavailable[reason] ?? 0) + n
    return {
      server: s.name,
      rps: Math.round(pick((r) => r.load.rps)),
      ackedPerSecond: Math.round(pick((r) => r.ackedPerSecond)),
      deliveredPerSecond: Math.round(pick((r) => r.deliveredPerSecond)),
      p50: pick((r) => r.load.p50),
      p99: pick((r) => r.load.p99),
      max: Math.max(...mine.map((r) => r.load.max)),
      non2xx: mine.reduce((n, r) => n + r.load.non2xx + r.load.errors, 0),
      unavailable,
      peakRssMb: Math.max(...mine.map((r) => r.peakRssMb)),
      cpuMicrosPerRequest: Math.round(pick((r) => r.cpuMicrosPerRequest)),
      // The worst round: a backlog that grows or does not drain in one round is the finding.
      ...(queues.length > 0 && {
        backlogEnd: Math.max(...queues.map((q) => q.backlogEnd)),
        drainSeconds: queues.some((q) => q.drainSeconds === null) ? null : Math.max(...queues.map((q) => q.drainSeconds ?? 0)),
      }),
    }
  })
const summary = summarise(runs)
const offered = summarise(offeredRuns)
const components = componentRows(runs.filter((r) => r.server === distributed.name))
const base = summary[0] as (typeof summary)[number]
const withRatios = summary.map((s) => ({
  ...s,
  ratioToBaseline: round2(s.rps / base.rps),
  cpuRatioToBaseline: round2(base.cpuMicrosPerRequest / s.cpuMicrosPerRequest),
}))
const boltRps = (summary[1] as (typeof summary)[number]).rps

const growth = { bodySize: [] as HttpRun[], routes: [] as HttpRun[], nonces: [] as NonceGrowthRow[], audit: [] as AuditGrowthRow[] }
if (!opts.skipGrowth) {
  for (const bytes of [1024, 64 * 1024, 1024 * 1024]) {
    for (const scenario of [baseline, embedded]) {
      log(`growth: ${bytes}-byte bodies, ${scenario.name}`)
      const run = await measure(scenario, 0, { ...growthHttp, bodyBytes: bytes })
      growth.bodySize.push({ ...run, server: `${scenario.name} @ ${bytes} B` })
    }
  }
  for (const count of [10, 1000, 10_000]) {
    log(`growth: ${count} routes`)
    const scenario = slackgate(`slackgate embedded, ${count} routes with a rule each`, { mode: 'embedded', extraRoutes: count - 1 })
    growth.routes.push(await measure(scenario, 0, { ...growthHttp, command: `/cmd${count - 2}` }))
  }
  for (const stored of [10_000, 1_000_000]) {
    log(`growth: nonce claims with ${stored} stored keys`)
    growth.nonces.push(await sqliteNonceGrowth(stored), await redisNonceGrowth(redis.url, stored))
  }
  for (const records of [10_000, 1_000_000]) {
    log(`growth: audit log of ${records} records`)
    growth.audit.push(await sqliteAuditGrowth(records))
  }
}

await redis.stop()

const result = {
  machine: host,
  micro,
  tokens,
  policy,
  ceilings,
  redis: { appendfsync: redis.fsync },
  http: { options: http, runs, summary: withRatios, boltRps, offeredRate, offeredRuns, offered, components },
  growth,
}
const md = [
  `# slackgate bench, ${host.date.slice(0, 10)}`,
  '',
  `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB; Node ${host.node}; commit ${host.commit}. Servers pinned to core 0, load generator to core 1.`,
  '',
  '## Verify (600-byte body, median of 5 runs)',
  '',
  table(['', 'verifications/s'], [['slackgate verifySlackSignature', fmt(micro.slackgate)], ['raw createHmac + timingSafeEqual', fmt(micro.rawHmac)], ['ratio', micro.ratio]]),
  '',
  '## Gateway tokens (minted per HTTP forward, on the delivery path; median of 5 runs)',
  '',
  table(['algorithm', 'tokens/s', 'µs per token'], tokens.map((t) => [t.algorithm, fmt(t.tokensPerSecond), t.microsPerToken])),
  '',
  '## Access policy (route lookup, request facts and decision, on the ack path; median of 5 runs)',
  '',
  table(['routes and rules', 'decisions/s', 'ns per decision'], policy.map((p) => [p.case, fmt(p.decisionsPerSecond), p.nanosPerDecision])),
  '',
  `## HTTP: 100 connections, signed slash commands with distinct trigger_ids, ${http.durationSeconds} s × ${opts.rounds} interleaved rounds (medians)`,
  '',
  table(
    ['server', 'req/s', '× baseline', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'peak RSS MB', 'server CPU µs/req', 'CPU × baseline'],
    withRatios.map((s) => [s.server, fmt(s.rps), s.ratioToBaseline, fmt(s.p50), fmt(s.p99), fmt(s.max), s.non2xx, s.peakRssMb, s.cpuMicrosPerRequest, s.cpuRatioToBaseline]),
  ),
  '',
  `slackgate embedded vs Bolt: ${round2((withRatios[2]?.rps ?? 0) / boltRps)}×. Load generator ceilings (no-op server): ${ceilings.map((c) => `${c.engine} ${fmt(c.rps)} req/s`).join(', ')}.`,
  '',
  `### Delivery beside ack (saturation rows above; ${fmt(offeredRate)} req/s offered below)`,
  '',
  deliveryTable([...summary, ...offered.map((o) => ({ ...o, server: `${o.server} @ ${fmt(offeredRate)} req/s` }))], DRAIN_LIMIT_MS / 1000),
  '',
  deliveryNote(DRAIN_LIMIT_MS / 1000),
  '',
  `### Latency at ${fmt(offeredRate)} req/s offered (open loop, ${http.connections} connections, from each request's scheduled send time)`,
  '',
  latencyTable(offered),
  '',
  `### CPU per component, distributed (saturation, medians; Redis appendonly yes, appendfsync ${redis.fsync})`,
  '',
  capacityTable(components),
  '',
  capacityNote(),
  '',
  ...(opts.skipGrowth
    ? []
    : [
        '## Growth',
        '',
        table(
          ['run (50 connections)', 'req/s', 'server CPU µs/req', 'p99 ms', 'non-2xx'],
          [...growth.bodySize, ...growth.routes].map((r) => [r.server, fmt(r.load.rps), r.cpuMicrosPerRequest, fmt(r.load.p99), r.load.non2xx + r.load.errors]),
        ),
        '',
        table(
          ['nonce store', 'stored keys', 'µs per claim (100 in flight)', 'startup ms'],
          growth.nonces.map((n) => [n.store, fmt(n.storedKeys), n.microsPerClaim, n.startupMs ?? '']),
        ),
        '',
        table(
          ['audit log (embedded)', 'records', 'appends/s while filling', 'audit verify ms', 'one-day audit query ms (records)'],
          growth.audit.map((a) => ['sqlite', fmt(a.records), fmt(a.appendsPerSecond), fmt(a.verifyMs), `${fmt(a.oneDayQueryMs)} (${fmt(a.oneDayRecords)})`]),
        ),
      ]),
  '',
].join('\n')

const dir = new URL('./results/', import.meta.url)
mkdirSync(dir, { recursive: true })
const stem = `${host.date.slice(0, 19).replace(/[:T]/g, '-')}-${host.host}`
writeFileSync(new URL(`${stem}.json`, dir), `${JSON.stringify(result, null, 2)}\n`)
writeFileSync(new URL(`${stem}.md`, dir), md)
process.stdout.write(md)
log(`results: bench/results/${stem}.{json,md}`)

/** A new, empty PostgreSQL database for the distributed runs' audit log (its table is append-only). */
async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

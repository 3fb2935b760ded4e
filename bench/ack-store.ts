// The ack path's storage, design against design: what each costs per request when it
// alone runs (no HTTP), in one run of paired, interleaved rounds on one core. Each request
// is what a routed slash command writes before its 200 (its nonce keys, its job, its audit
// record, on disk) and after its delivery (the job settled, the delivery's audit record).
// docs/design/ack-path-storage.md reads the figures.
//
//   npm run bench:ack-store [-- --seconds 5 --rounds 3]
//
// Each design runs in a child process pinned to core 0, so that its CPU (every thread: the
// event loop, libuv's fsyncs, a worker) is what one core gives it. The `lmdb` design runs
// when LMDB_DIR names a directory whose node_modules holds the `lmdb` package (it is not a
// dependency of slackgate): `npm i --prefix /tmp/lmdb lmdb` then `LMDB_DIR=/tmp/lmdb`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { DESIGNS, type DesignName } from './ack-store/designs.js'
import type { DesignResult } from './ack-store/drive.js'
import { median } from './lib/stats.js'

const opts = new Command()
  .option('--seconds <s>', 'seconds per measured run', '5')
  .option('--rounds <n>', 'interleaved rounds', '3')
  .option('--concurrency <n>', 'requests in flight at once', '100')
  .option('--designs <list>', 'comma-separated designs to run', Object.keys(DESIGNS).join(','))
  .parse()
  .opts<{ seconds: string; rounds: string; concurrency: string; designs: string }>()

const child = fileURLToPath(new URL('./ack-store/run-design.ts', import.meta.url))
const names = opts.designs.split(',') as DesignName[]
for (const name of names) if (!(name in DESIGNS)) throw new Error(`unknown design ${name}; one of ${Object.keys(DESIGNS).join(', ')}`)
const runnable = names.filter((n) => DESIGNS[n].available())
const results = new Map<DesignName, DesignResult[]>(runnable.map((n) => [n, []]))

for (let round = 0; round < Number(opts.rounds); round++) {
  // Interleaved, and in another order each round: drift of the machine lands on every design.
  const order = round % 2 === 0 ? runnable : [...runnable].reverse()
  for (const name of order) {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-ack-store-'))
    try {
      const out = execFileSync('taskset', ['-c', '0', process.execPath, '--import', 'tsx', child, name, dir, opts.seconds, opts.concurrency], {
        encoding: 'utf8',
        timeout: (Number(opts.seconds) + 60) * 1000,
        env: process.env,
      })
      const result = JSON.parse(out.trim().split('\n').pop() as string) as DesignResult
      results.get(name)?.push(result)
      process.stderr.write(`round ${round + 1} ${name}: ${Math.round(result.acceptedPerSecond)}/s, ${Math.round(result.cpuMicrosPerRequest)} µs\n`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const today = median((results.get('sqlite-today') ?? []).map((r) => r.cpuMicrosPerRequest))
const rows = runnable.map((name) => {
  const rs = results.get(name) as DesignResult[]
  const cpu = median(rs.map((r) => r.cpuMicrosPerRequest))
  return [
    name,
    DESIGNS[name].summary,
    Math.round(median(rs.map((r) => r.acceptedPerSecond))).toLocaleString('en-US'),
    Math.round(median(rs.map((r) => r.deliveredPerSecond))).toLocaleString('en-US'),
    String(Math.round(cpu)),
    String(Math.round(median(rs.map((r) => r.mainThreadMicrosPerRequest)))),
    Number.isFinite(today) ? (cpu / today).toFixed(2) : '–',
    median(rs.map((r) => r.p99Ms)).toFixed(1),
    median(rs.map((r) => r.syncsPerSecond)).toFixed(0),
  ]
})
const table = [
  `## Ack-path storage, one core, ${opts.concurrency} requests in flight, ${opts.seconds} s × ${opts.rounds} interleaved rounds (medians)`,
  '',
  '| design | what it writes | accepted/s | delivered/s | CPU µs/req (process) | main thread µs/req | CPU × today | p99 ms to durable | fsyncs/s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `Node ${process.version}. Skipped: ${names.filter((n) => !runnable.includes(n)).join(', ') || 'none'}.`,
].join('\n')
console.log(table)
if (process.env.ACK_STORE_OUT) writeFileSync(process.env.ACK_STORE_OUT, `${table}\n`)

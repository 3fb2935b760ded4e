// The load generator, run in its own process (pinned to its own core by bench/lib/load.ts).
// Reads its job as JSON from argv[2], prints one JSON result line.
//
// Two engines: undici's dispatcher (the default) and autocannon. Both sign every request
// anew (distinct trigger_ids); measured on one core, autocannon's per-request rebuild caps
// it near 21k signed requests/s, below what the bare node:http baseline serves, which would
// flatter every ratio. `npm run bench` measures both engines' ceilings in each run.
import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'
import { Client, type Dispatcher } from 'undici'
import { PrefixSigner } from './prefix-signer.js'
import { BENCH_SECRET, commandBodyPrefix, triggerId } from './slash-command.js'

export interface LoadJob {
  readonly url: string
  readonly path: string
  readonly connections: number
  readonly durationSeconds: number
  readonly bodyBytes: number
  readonly command: string
  /** Makes trigger ids unique across runs against the same store. */
  readonly runId: string
  readonly engine?: 'undici' | 'autocannon'
}

export interface LoadResult {
  readonly requests: number
  readonly rps: number
  /** Latencies in milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly non2xx: number
  readonly errors: number
}

const job = JSON.parse(process.argv[2] as string) as LoadJob
const timestamp = Math.floor(Date.now() / 1000)
const prefix = commandBodyPrefix(job.bodyBytes, job.command)
const signer = new PrefixSigner(BENCH_SECRET, timestamp, prefix)
let sent = 0

function nextRequest(): { body: string; signature: string } {
  const suffix = triggerId(job.runId, sent++)
  return { body: prefix + suffix, signature: signer.sign(suffix) }
}

async function withUndici(): Promise<LoadResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 })
  const url = new URL(job.url)
  const deadline = performance.now() + job.durationSeconds * 1000
  let completed = 0
  let non2xx = 0
  let errors = 0
  const startedAt = performance.now()

  function connection(): Promise<void> {
    const client = new Client(url.origin, { pipelining: 1 })
    return new Promise((resolve) => {
      const send = (): void => {
        if (performance.now() >= deadline) {
          void client.close().then(resolve)
          return
        }
        const { body, signature } = nextRequest()
        const began = performance.now()
        const handler: Dispatcher.DispatchHandler = {
          onConnect() {},
          onHeaders(status) {
            if (status < 200 || status > 299) non2xx++
            return true
          },
          onData() {
            return true
          },
          onComplete() {
            histogram.recordValue(Math.round((performance.now() - began) * 1000))
            completed++
            send()
          },
          onError() {
            errors++
            send()
          },
        }
        client.dispatch(
          {
            method: 'POST',
            path: job.path,
            headers: ['content-type', 'application/x-www-form-urlencoded', 'x-slack-request-timestamp', String(timestamp), 'x-slack-signature', signature],
            body,
          },
          handler,
        )
      }
      send()
    })
  }

  await Promise.all(Array.from({ length: job.connections }, connection))
  const seconds = (performance.now() - startedAt) / 1000
  return {
    requests: completed,
    rps: Math.round(completed / seconds),
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
    non2xx,
    errors,
  }
}

async function withAutocannon(): Promise<LoadResult> {
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    requests: [
      {
        method: 'POST',
        path: job.path,
        setupRequest: (req) => {
          const { body, signature } = nextRequest()
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': String(timestamp),
              'x-slack-signature': signature,
            },
          }
        },
      },
    ],
  })
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

const out = job.engine === 'autocannon' ? await withAutocannon() : await withUndici()
process.stdout.write(`${JSON.stringify(out)}\n`)

import { createHmac, timingSafeEqual } from 'node:crypto'
import { createSigningSecret } from '../src/verify/signing-secret.js'
import { signSlackRequest, verifySlackSignature } from '../src/verify/slack-signature.js'
import { BENCH_SECRET, commandBodyPrefix } from './lib/slash-command.js'
import { median } from './lib/stats.js'

export interface MicroVerifyResult {
  readonly bodyBytes: number
  readonly iterations: number
  /** Verifications per second, median of the runs. */
  readonly slackgate: number
  readonly rawHmac: number
  readonly ratio: number
  readonly runs: { readonly slackgate: number[]; readonly rawHmac: number[] }
}

/**
 * slackgate's verifySlackSignature against the loop anyone would write by hand (createHmac
 * over the same bytes, timingSafeEqual), on one 600-byte body, runs interleaved.
 */
export function microVerify(runs = 5, iterations = 200_000): MicroVerifyResult {
  const body = Buffer.from(`${commandBodyPrefix(600)}1234.5678.abcdef`)
  const timestamp = String(Math.floor(Date.now() / 1000))
  const secret = createSigningSecret(BENCH_SECRET)
  const signature = signSlackRequest(secret, timestamp, body)
  const options = { secrets: [secret], now: Number(timestamp) }
  const input = { body, timestamp, signature }
  const key = Buffer.from(BENCH_SECRET)

  const ours = (): number => {
    let ok = 0
    const start = performance.now()
    for (let i = 0; i < iterations; i++) if (verifySlackSignature(input, options).ok) ok++
    if (ok !== iterations) throw new Error('slackgate refused a valid signature')
    return iterations / ((performance.now() - start) / 1000)
  }
  const raw = (): number => {
    let ok = 0
    const start = performance.now()
    for (let i = 0; i < iterations; i++) {
      const expected = createHmac('sha256', key).update(`v0:${timestamp}:`).update(body).digest()
      const provided = Buffer.from(signature.slice(3), 'hex')
      if (provided.length === expected.length && timingSafeEqual(expected, provided)) ok++
    }
    if (ok !== iterations) throw new Error('raw loop refused a valid signature')
    return iterations / ((performance.now() - start) / 1000)
  }

  ours()
  raw() // warm both
  const results = { slackgate: [] as number[], rawHmac: [] as number[] }
  for (let r = 0; r < runs; r++) {
    results.slackgate.push(Math.round(ours()))
    results.rawHmac.push(Math.round(raw()))
  }
  const slackgate = median(results.slackgate)
  const rawHmac = median(results.rawHmac)
  return { bodyBytes: body.length, iterations, slackgate, rawHmac, ratio: round2(slackgate / rawHmac), runs: results }
}

export const round2 = (x: number): number => Math.round(x * 100) / 100

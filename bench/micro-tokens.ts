import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGatewayTokenHeaders } from '../src/dispatch/gateway-token.js'
import type { Job } from '../src/dispatch/job.js'
import { openSigningKeys } from '../src/keys/signing-keys.js'
import { median } from './lib/stats.js'

export interface MicroTokenRow {
  readonly algorithm: 'EdDSA' | 'RS256'
  /** Tokens minted per second (the whole header: claims, body digest, signature), median of the runs. */
  readonly tokensPerSecond: number
  readonly microsPerToken: number
}

const body = JSON.stringify({ jobId: 'x', route: 'deploy', attempt: 1, request: { kind: 'command', text: 'x'.repeat(500) } })
const job: Job = {
  id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  route: 'deploy',
  attempt: 1,
  maxAttempts: 5,
  enqueuedAt: Date.now(),
  payload: { requestId: 'r', receivedAt: Date.now(), request: { kind: 'command', source: 'commands', context: { teamId: 'T1', userId: 'U1', channelId: 'C1' } } },
}

/**
 * Cost of the token the gateway attaches to every HTTP forward (on the delivery path, not
 * the ack path): EdDSA and RS256-2048, sequential, runs interleaved.
 */
export async function microTokens(runs = 5, count = 2000): Promise<MicroTokenRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-bench-keys-'))
  try {
    const minters = await Promise.all(
      (['EdDSA', 'RS256'] as const).map(async (algorithm) => {
        const keys = await openSigningKeys({ kind: 'file', path: join(dir, `${algorithm}.json`), algorithm }, { refreshMs: 0 })
        return { algorithm, mint: createGatewayTokenHeaders({ keys, issuer: 'slackgate' }) }
      }),
    )
    const target = { url: 'http://svc.internal/slack', timeoutMs: 1000 }
    const once = async (mint: (typeof minters)[number]['mint']) => {
      const start = performance.now()
      for (let i = 0; i < count; i++) await mint(job, body, target)
      return count / ((performance.now() - start) / 1000)
    }
    for (const m of minters) await once(m.mint) // warm
    const samples = new Map<string, number[]>(minters.map((m) => [m.algorithm, []]))
    for (let r = 0; r < runs; r++) for (const m of minters) samples.get(m.algorithm)?.push(await once(m.mint))
    return minters.map(({ algorithm }) => {
      const rate = median(samples.get(algorithm) ?? [])
      return { algorithm, tokensPerSecond: Math.round(rate), microsPerToken: Math.round(1e6 / rate) }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

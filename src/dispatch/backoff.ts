import type { BackoffPolicy } from './job.js'

/**
 * Delay before attempt `attempt + 1`, after `attempt` failed: exponential from
 * `baseDelayMs`, capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so
 * that retries from many failed jobs spread out but never collapse to zero.
 * `random` is injectable; it returns a number in [0, 1).
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

import { setTimeout as sleep } from 'node:timers/promises'
import { VaultError } from './errors.js'

/** The default wait for an installation's lock: longer than a refresh exchange with Slack takes. */
export const DEFAULT_LOCK_WAIT_MS = 30_000

/**
 * The pause before the next try for a lock held elsewhere: 5 ms doubling to 100 ms, with
 * jitter so that waiters in several processes do not try in step.
 */
export function lockRetryDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(100, 5 * 2 ** Math.min(attempt, 5))
  return Math.ceil(ceiling / 2 + (ceiling / 2) * random)
}

/**
 * Tries `take` until it returns true, pausing between tries, for at most `waitMs`; then
 * `vault_lock_timeout`. A `take` that throws ends the wait with its error.
 */
export async function waitForLock(key: string, take: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs
  for (let attempt = 0; ; attempt++) {
    if (await take()) return
    const delay = lockRetryDelayMs(attempt, Math.random())
    if (Date.now() + delay > deadline) {
      throw new VaultError('vault_lock_timeout', `the lock of ${key} was held elsewhere for more than ${waitMs} ms`, { installation: key })
    }
    await sleep(delay)
  }
}

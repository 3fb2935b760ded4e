/**
 * Sign-in throttling (OWASP Authentication Cheat Sheet, "Protect Against Automated Attacks"):
 * consecutive failures are counted per account name and, separately, per client address. At
 * the threshold the name (or the address) is locked for a while that doubles with each further
 * lockout, up to a cap: guessing is slowed to a handful of tries per quarter hour, while
 * someone failing on purpose can delay the real user by at most the cap at a time, never lock
 * them out for good. Unknown names are counted like known ones, so lockouts tell nothing about
 * which names exist.
 */

export interface LoginThrottleOptions {
  /** Consecutive failures of one name that lock it (default 5). */
  readonly maxFailures?: number
  /**
   * Consecutive failures from one address, across names, that lock the address (default 20):
   * higher than per name, as several people may share an address, and enough to stop one
   * client trying a common password on every name (password spraying).
   */
  readonly maxFailuresPerIp?: number
  /** The first lockout, in seconds (default 30); each further one doubles it. */
  readonly baseLockSeconds?: number
  /** The longest lockout, in seconds (default 900, 15 minutes). */
  readonly maxLockSeconds?: number
  /** A name or address not seen for this long starts afresh (default 24 hours). */
  readonly forgetAfterSeconds?: number
  /** Most names and most addresses tracked (default 10,000 each); past it the least recently seen is forgotten. */
  readonly maxTracked?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

export type ThrottleCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: 'admin_locked_out' }

export interface FailureResult {
  /** This failure locked the name or the address. */
  readonly lockedNow: boolean
  /** For how long, when it did. */
  readonly lockSeconds?: number
}

export interface LoginThrottle {
  /** Whether a sign-in may be tried now: ask before checking the password, and do not check it when locked. */
  check(name: string, ip: string): ThrottleCheck
  /** Counts a failed sign-in (wrong password or unknown name). */
  fail(name: string, ip: string): FailureResult
  /** A sign-in succeeded: the name starts afresh, and the address's run of failures ends. */
  succeed(name: string, ip: string): void
}

interface Entry {
  /** Failures since the last lockout or success. */
  failures: number
  /** Lockouts so far: the next one lasts base · 2^lockouts. */
  lockouts: number
  lockedUntil: number
  lastSeen: number
}

/**
 * Builds a throttle that lives in this process (a restart forgets it; several instances each
 * count their own, so behind a balancer of k instances a name gets up to k · maxFailures tries).
 *
 * @example
 * const throttle = createLoginThrottle()
 * const verdict = throttle.check(name, ip)
 * if (!verdict.allowed) throw new AdminError('admin_locked_out', { retryAfterSeconds: verdict.retryAfterSeconds })
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const now = options.now ?? Date.now
  const settings: Settings = {
    baseMs: (options.baseLockSeconds ?? 30) * 1000,
    maxMs: (options.maxLockSeconds ?? 900) * 1000,
    forgetMs: (options.forgetAfterSeconds ?? 86_400) * 1000,
    maxTracked: options.maxTracked ?? 10_000,
  }
  const names = new Counter(options.maxFailures ?? 5, settings)
  const ips = new Counter(options.maxFailuresPerIp ?? 20, settings)

  return {
    check(name, ip) {
      const at = now()
      const waitMs = Math.max(names.lockedFor(nameKey(name), at), ips.lockedFor(ipKey(ip), at))
      return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000), reason: 'admin_locked_out' }
    },
    fail(name, ip) {
      const at = now()
      const lockMs = Math.max(names.fail(nameKey(name), at), ips.fail(ipKey(ip), at))
      return lockMs === 0 ? { lockedNow: false } : { lockedNow: true, lockSeconds: Math.ceil(lockMs / 1000) }
    },
    succeed(name, ip) {
      names.entries.delete(nameKey(name))
      // The address keeps its lockout history (a valid account must not clear a spraying client's record).
      const entry = ips.peek(ipKey(ip), now())
      if (entry !== undefined) entry.failures = 0
    },
  }
}

interface Settings {
  readonly baseMs: number
  readonly maxMs: number
  readonly forgetMs: number
  readonly maxTracked: number
}

/** Consecutive failures and lockouts of one kind of key (names, or addresses). */
class Counter {
  // Map order is recency: an entry is moved to the end whenever it is seen, the front is evicted.
  readonly entries = new Map<string, Entry>()
  constructor(
    readonly threshold: number,
    private readonly settings: Settings,
  ) {}

  /** The live entry of `key`, or undefined when none or forgotten. */
  peek(key: string, at: number): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined || at - entry.lastSeen < this.settings.forgetMs || at < entry.lockedUntil) return entry
    this.entries.delete(key)
    return undefined
  }

  lockedFor(key: string, at: number): number {
    const entry = this.peek(key, at)
    return entry === undefined ? 0 : Math.max(0, entry.lockedUntil - at)
  }

  /** Counts one failure; the lock it started, in ms, or 0. A failure while locked is not counted. */
  fail(key: string, at: number): number {
    const entry = this.peek(key, at) ?? { failures: 0, lockouts: 0, lockedUntil: 0, lastSeen: at }
    this.touch(key, entry, at)
    if (at < entry.lockedUntil) return 0
    entry.failures++
    if (entry.failures < this.threshold) return 0
    const lockMs = Math.min(this.settings.baseMs * 2 ** entry.lockouts, this.settings.maxMs)
    entry.lockouts++
    entry.failures = 0
    entry.lockedUntil = at + lockMs
    return lockMs
  }

  touch(key: string, entry: Entry, at: number): void {
    entry.lastSeen = at
    this.entries.delete(key)
    if (this.entries.size >= this.settings.maxTracked) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(key, entry)
  }
}

// Names are lowercase ids: `Admin` and `admin` are one account, and one counter. A long name
// is cut so that an attacker's names cannot make each entry large.
function nameKey(name: string): string {
  return name.slice(0, 128).toLowerCase()
}

function ipKey(ip: string): string {
  return ip.slice(0, 64)
}

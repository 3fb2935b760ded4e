import type { Directory, Membership } from './directory.js'

/** The part of a logger this adapter calls; pino's Logger fits. */
export interface DirectoryLogger {
  warn(obj: object, msg: string): void
}

export interface SlackDirectoryOptions {
  /** Base of Slack's Web API, such as `https://slack.com/api`; a trailing slash is fine. */
  readonly apiUrl: string
  /** The bot token, read on every request so a rotated token takes effect at once. */
  readonly token: () => string
  /** Sent as `team_id`: needed with an org-level (Enterprise Grid) token. */
  readonly teamId?: string
  /** An entry older than this is still served, and refreshed in the background. */
  readonly ttlSeconds: number
  /** An entry older than this is not used at all: a lookup treats it as missing. */
  readonly maxStaleSeconds: number
  /** How long a lookup waits for Slack on a cache miss before answering unknown. */
  readonly lookupTimeoutMs: number
  /** Background refresh period (default half the TTL, at least 1 s); 0 disables it. */
  readonly refreshIntervalMs?: number
  /** Most requests to Slack in flight at once (default 4). */
  readonly maxConcurrentFetches?: number
  readonly fetch?: typeof fetch
  /** Clock in milliseconds, for entry ages and Retry-After; injectable for tests. */
  readonly now?: () => number
  readonly logger?: DirectoryLogger
}

interface Entry {
  readonly members: ReadonlySet<string>
  readonly fetchedAt: number
}

/** What one request to Slack taught us; a request never throws. */
type Outcome =
  | { readonly kind: 'members'; readonly users: readonly string[] }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number }
  | { readonly kind: 'failed'; readonly error: string }

// Slack ids (S…, T…, E…) are upper-case letters and digits. Anything else is not sent.
const SLACK_ID = /^[A-Z0-9]{1,32}$/
// A user group can be large, but not this large: about 700,000 user ids.
const MAX_BODY_BYTES = 10 * 1024 * 1024
const DEFAULT_RETRY_AFTER_MS = 60_000

/**
 * Directory that reads user groups live from Slack's `usergroups.users.list`
 * (https://api.slack.com/methods/usergroups.users.list), behind a per-group cache:
 *
 * - Fresh (younger than `ttlSeconds`): answered from the cache, synchronously.
 * - Stale (younger than `maxStaleSeconds`): answered from the cache, synchronously, and
 *   refreshed in the background. A failed refresh keeps the old entry, so an outage of
 *   Slack shorter than `maxStaleSeconds` changes nothing.
 * - Missing or too old: fetched, waiting at most `lookupTimeoutMs`; a group not known by
 *   then answers `undefined`, which the policy denies. The fetch keeps going and fills the
 *   cache for the next lookup.
 *
 * Requests are single-flight per group and at most `maxConcurrentFetches` run at once.
 * `no_such_subteam` is an answer (the group has no members), cached like any other. A 429
 * stops every request until its Retry-After has passed, not just the group's: Slack's
 * limits are per method and workspace, so another group would only be refused as well.
 * Group ids come from policy config, not from requests, so the cache holds as many
 * entries as the config names groups. Warnings carry the group id and an error code; the
 * token is never logged.
 *
 * @example
 * ```ts
 * const directory = createSlackDirectory({
 *   apiUrl: 'https://slack.com/api',
 *   token: () => process.env.SLACK_BOT_TOKEN ?? '',
 *   ttlSeconds: 300,
 *   maxStaleSeconds: 3600,
 *   lookupTimeoutMs: 1500,
 *   logger,
 * })
 * const membership = await directory.membership(['S0ADMINS'])
 * membership.isMember('S0ADMINS', 'U123') // true, false, or undefined if Slack could not say
 * ```
 */
export function createSlackDirectory(options: SlackDirectoryOptions): Directory {
  checkOptions(options)
  return new SlackDirectory(options)
}

class SlackDirectory implements Directory {
  private readonly cache = new Map<string, Entry>()
  private readonly inflight = new Map<string, Promise<void>>()
  /** Every valid group ever asked for: the background timer keeps them warm. */
  private readonly known = new Set<string>()
  private readonly warnedInvalid = new Set<string>()
  private readonly closing = new AbortController()
  private readonly waiting: Array<() => void> = []
  private readonly endpoint: string
  private readonly now: () => number
  private readonly doFetch: typeof fetch
  private readonly logger: DirectoryLogger
  private readonly ttlMs: number
  private readonly maxStaleMs: number
  private readonly fetchTimeoutMs: number
  private readonly maxConcurrent: number
  private readonly timer: NodeJS.Timeout | undefined
  private blockedUntil = 0
  private active = 0

  constructor(private readonly options: SlackDirectoryOptions) {
    this.endpoint = `${options.apiUrl.replace(/\/+$/, '')}/usergroups.users.list`
    this.now = options.now ?? Date.now
    this.doFetch = options.fetch ?? fetch
    this.logger = options.logger ?? { warn() {} }
    this.ttlMs = options.ttlSeconds * 1000
    this.maxStaleMs = options.maxStaleSeconds * 1000
    // A fetch outlives the lookup that started it, so that a slow Slack still fills the cache.
    this.fetchTimeoutMs = Math.max(options.lookupTimeoutMs, 5000)
    this.maxConcurrent = options.maxConcurrentFetches ?? 4
    this.timer = this.startTimer(options.refreshIntervalMs ?? Math.max(1000, this.ttlMs / 2))
  }

  membership(groupIds: readonly string[]): Membership | Promise<Membership> {
    const at = this.now()
    const missing: string[] = []
    for (const groupId of groupIds) {
      if (!this.accept(groupId)) continue
      const entry = this.usable(groupId, at)
      if (entry === undefined) missing.push(groupId)
      else if (at - entry.fetchedAt > this.ttlMs) void this.refresh(groupId)
    }
    if (missing.length === 0) return this.snapshot(groupIds)
    return this.waitFor(missing).then(() => this.snapshot(groupIds))
  }

  close(): void {
    clearInterval(this.timer)
    this.closing.abort()
  }

  private accept(groupId: string): boolean {
    if (SLACK_ID.test(groupId)) {
      this.known.add(groupId)
      return true
    }
    // Once per id: config validation should have refused it, so this is a bug to report.
    if (!this.warnedInvalid.has(groupId) && this.warnedInvalid.size < 100) {
      this.warnedInvalid.add(groupId)
      this.logger.warn({ groupId: groupId.slice(0, 64) }, 'not a Slack user group id: its members are unknown')
    }
    return false
  }

  private usable(groupId: string, at: number): Entry | undefined {
    const entry = this.cache.get(groupId)
    return entry !== undefined && at - entry.fetchedAt <= this.maxStaleMs ? entry : undefined
  }

  /** Each decision sees the groups as they stood once, even if a refresh lands mid-decision. */
  private snapshot(groupIds: readonly string[]): Membership {
    const at = this.now()
    const sets = new Map<string, ReadonlySet<string>>()
    for (const groupId of groupIds) {
      const entry = SLACK_ID.test(groupId) ? this.usable(groupId, at) : undefined
      if (entry !== undefined) sets.set(groupId, entry.members)
    }
    return { isMember: (groupId, userId) => sets.get(groupId)?.has(userId) }
  }

  private async waitFor(groupIds: readonly string[]): Promise<void> {
    let budget: NodeJS.Timeout | undefined
    const expired = new Promise<void>((resolve) => {
      budget = setTimeout(resolve, this.options.lookupTimeoutMs)
    })
    try {
      await Promise.race([Promise.all(groupIds.map((groupId) => this.refresh(groupId))), expired])
    } finally {
      clearTimeout(budget)
    }
  }

  /** Single-flight per group; resolves (never rejects) once the group's request is done. */
  private refresh(groupId: string): Promise<void> {
    const running = this.inflight.get(groupId)
    if (running !== undefined) return running
    if (this.closing.signal.aborted || this.now() < this.blockedUntil) return Promise.resolve()
    const request = this.withSlot(() => this.fetchAndStore(groupId)).finally(() => this.inflight.delete(groupId))
    this.inflight.set(groupId, request)
    return request
  }

  private async withSlot(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.active++
    try {
      await task()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }

  private async fetchAndStore(groupId: string): Promise<void> {
    // Checked again: a 429 or close() may have come while this request queued for a slot.
    if (this.closing.signal.aborted || this.now() < this.blockedUntil) return
    const outcome = await this.request(groupId)
    if (outcome.kind === 'members') {
      this.cache.set(groupId, { members: new Set(outcome.users), fetchedAt: this.now() })
    } else if (outcome.kind === 'rate_limited') {
      this.blockedUntil = Math.max(this.blockedUntil, this.now() + outcome.retryAfterMs)
      this.logger.warn({ groupId, error: 'ratelimited', retryAfterMs: outcome.retryAfterMs }, 'Slack usergroups.users.list is rate limited')
    } else if (!this.closing.signal.aborted) {
      this.logger.warn({ groupId, error: outcome.error, cached: this.cache.has(groupId) }, 'Slack usergroups.users.list failed')
    }
  }

  private async request(groupId: string): Promise<Outcome> {
    try {
      const res = await this.doFetch(this.urlFor(groupId), {
        method: 'GET',
        redirect: 'manual',
        headers: { authorization: `Bearer ${this.options.token()}` },
        signal: AbortSignal.any([AbortSignal.timeout(this.fetchTimeoutMs), this.closing.signal]),
      })
      return await readOutcome(res)
    } catch (err) {
      // Only a code is kept: a message could quote a header, and so the token.
      return { kind: 'failed', error: errorCode(err) }
    }
  }

  private urlFor(groupId: string): string {
    const params = new URLSearchParams({ usergroup: groupId })
    if (this.options.teamId !== undefined) params.set('team_id', this.options.teamId)
    return `${this.endpoint}?${params.toString()}`
  }

  private startTimer(intervalMs: number): NodeJS.Timeout | undefined {
    if (intervalMs <= 0) return undefined
    const timer = setInterval(() => this.refreshKnown(), intervalMs)
    timer.unref()
    return timer
  }

  private refreshKnown(): void {
    const at = this.now()
    for (const groupId of this.known) {
      const entry = this.cache.get(groupId)
      if (entry === undefined || at - entry.fetchedAt > this.ttlMs) void this.refresh(groupId)
    }
  }
}

function checkOptions(options: SlackDirectoryOptions): void {
  const { ttlSeconds, maxStaleSeconds, lookupTimeoutMs, refreshIntervalMs, maxConcurrentFetches, teamId } = options
  if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive')
  if (!(maxStaleSeconds >= ttlSeconds)) throw new RangeError('maxStaleSeconds must be at least ttlSeconds')
  if (!(lookupTimeoutMs > 0)) throw new RangeError('lookupTimeoutMs must be positive')
  if (refreshIntervalMs !== undefined && !(refreshIntervalMs >= 0)) throw new RangeError('refreshIntervalMs must be 0 or more')
  if (maxConcurrentFetches !== undefined && !(Number.isInteger(maxConcurrentFetches) && maxConcurrentFetches > 0)) {
    throw new RangeError('maxConcurrentFetches must be a positive integer')
  }
  if (teamId !== undefined && !SLACK_ID.test(teamId)) throw new RangeError('teamId is not a Slack team id')
  const protocol = URL.canParse(options.apiUrl) ? new URL(options.apiUrl).protocol : ''
  if (protocol !== 'https:' && protocol !== 'http:') throw new RangeError('apiUrl must be an http(s) URL')
}

async function readOutcome(res: Response): Promise<Outcome> {
  if (res.status === 429) {
    await res.body?.cancel()
    return { kind: 'rate_limited', retryAfterMs: retryAfterMs(res.headers.get('retry-after')) }
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel()
    return { kind: 'failed', error: `http_${res.status}` }
  }
  let body: unknown
  try {
    body = JSON.parse(await readCapped(res, MAX_BODY_BYTES))
  } catch (err) {
    return { kind: 'failed', error: err instanceof SyntaxError ? 'bad_json' : errorCode(err) }
  }
  return interpret(body)
}

/** `{ok: true, users: string[]}` is an answer, and so is `no_such_subteam`; nothing else is. */
function interpret(body: unknown): Outcome {
  if (typeof body !== 'object' || body === null) return { kind: 'failed', error: 'bad_response' }
  const { ok, users, error } = body as { ok?: unknown; users?: unknown; error?: unknown }
  if (ok === true && Array.isArray(users) && users.every((u) => typeof u === 'string')) return { kind: 'members', users }
  if (ok === false && error === 'no_such_subteam') return { kind: 'members', users: [] }
  if (ok === false && typeof error === 'string' && /^[a-z0-9_]{1,64}$/.test(error)) return { kind: 'failed', error }
  return { kind: 'failed', error: 'bad_response' }
}

/** Seconds, per https://api.slack.com/apis/rate-limits; anything unreadable waits a minute. */
function retryAfterMs(header: string | null): number {
  const seconds = header === null ? Number.NaN : Number(header.trim())
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw new ResponseTooLargeError()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength
    if (size > maxBytes) throw new ResponseTooLargeError()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError'
}

/** A short code for a failed request: never the error's message. */
function errorCode(err: unknown): string {
  if (err instanceof ResponseTooLargeError) return 'response_too_large'
  const name = err instanceof Error ? err.name : ''
  if (name === 'TimeoutError') return 'timeout'
  if (name === 'AbortError') return 'aborted'
  const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network_error'
}

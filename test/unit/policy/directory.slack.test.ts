import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Directory, Membership } from '../../../src/policy/directory.js'
import { createSlackDirectory, type SlackDirectoryOptions } from '../../../src/policy/directory.slack.js'
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'

const TOKEN = 'xoxb-1111-2222-SECRETsecretSECRET'
/** The lookup budget where a test is about the budget running out. */
const BUDGET_MS = 150
/** Where a test needs Slack's answer: long enough that a loaded machine never runs it out. */
const AMPLE_MS = 10_000

function fakeClock() {
  let t = 1_800_000_000_000
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

function captureLogger() {
  const warnings: Array<{ obj: object; msg: string }> = []
  return { warnings, warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) }
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Lets every pending promise callback run (setImmediate comes after the microtask queue). */
const settle = () => new Promise((resolve) => setImmediate(resolve))

/** A fetch that answers only when told to, or fails when its signal aborts; it records each signal. */
function heldFetch() {
  const signals: AbortSignal[] = []
  let release: (res: Response) => void = () => {}
  const held: typeof fetch = (_input, init) => {
    const signal = init?.signal as AbortSignal
    signals.push(signal)
    return new Promise<Response>((resolve, reject) => {
      release = resolve
      signal.addEventListener('abort', () => reject(signal.reason as Error))
    })
  }
  return { fetch: held, signals, release: (res: Response) => release(res) }
}

describe('Slack Directory', () => {
  const servers: FakeSlackApi[] = []
  const directories: Directory[] = []
  afterEach(async () => {
    vi.useRealTimers()
    for (const d of directories.splice(0)) d.close()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  async function setup(overrides: Partial<SlackDirectoryOptions> = {}) {
    const slack = await startFakeSlackApi({ token: TOKEN })
    servers.push(slack)
    slack.setGroup('S0ADMINS', ['U1', 'U2'])
    const clock = fakeClock()
    const logger = captureLogger()
    // Counted when the directory calls it, synchronously: a request it did not start is
    // known at once, with no wait for one that might still be on its way.
    let started = 0
    const inner = overrides.fetch ?? fetch
    const counted: typeof fetch = (input, init) => {
      started++
      return inner(input, init)
    }
    const directory = createSlackDirectory({
      apiUrl: slack.url,
      token: () => TOKEN,
      ttlSeconds: 60,
      maxStaleSeconds: 600,
      lookupTimeoutMs: AMPLE_MS,
      refreshIntervalMs: 0,
      now: clock.now,
      logger,
      ...overrides,
      fetch: counted,
    })
    directories.push(directory)
    const calls = () => slack.calls().filter((c) => c.method === 'usergroups.users.list').length
    return { slack, clock, logger, directory, calls, started: () => started }
  }

  it('sends the bearer token, the group and team_id to usergroups.users.list', async () => {
    const { slack, directory } = await setup({ teamId: 'T0TEAM' })
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBe(true)
    expect(slack.calls()).toMatchObject([
      { method: 'usergroups.users.list', params: { usergroup: 'S0ADMINS', team_id: 'T0TEAM' }, authorization: `Bearer ${TOKEN}` },
    ])
  })

  it('reads the token on each request', async () => {
    let token = 'xoxb-old'
    const { slack, clock, directory } = await setup({ token: () => token })
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    token = TOKEN
    clock.advance(1000)
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBe(true)
    expect(slack.calls().map((c) => c.authorization)).toEqual(['Bearer xoxb-old', `Bearer ${TOKEN}`])
  })

  it('accepts an apiUrl with a trailing slash', async () => {
    const slack = await startFakeSlackApi({ token: TOKEN })
    servers.push(slack)
    slack.setGroup('S0ADMINS', ['U1'])
    const directory = createSlackDirectory({ apiUrl: `${slack.url}/`, token: () => TOKEN, ttlSeconds: 60, maxStaleSeconds: 600, lookupTimeoutMs: 1000, refreshIntervalMs: 0 })
    directories.push(directory)
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBe(true)
  })

  it('answers a cache hit synchronously, without calling Slack again', async () => {
    const { clock, directory, started } = await setup()
    await directory.membership(['S0ADMINS'])
    clock.advance(59_000)
    const warm = directory.membership(['S0ADMINS'])
    expect(warm).not.toBeInstanceOf(Promise)
    expect((warm as Membership).isMember('S0ADMINS', 'U2')).toBe(true)
    expect((warm as Membership).isMember('S0ADMINS', 'U3')).toBe(false)
    expect(started()).toBe(1)
  })

  it('makes one request for concurrent cold lookups of a group (single-flight)', async () => {
    const { directory, calls } = await setup()
    const all = await Promise.all(Array.from({ length: 20 }, () => directory.membership(['S0ADMINS'])))
    expect(all.map((m) => m.isMember('S0ADMINS', 'U1'))).toEqual(Array(20).fill(true))
    expect(calls()).toBe(1)
  })

  it('serves an entry older than the TTL at once, and refreshes it once in the background', async () => {
    const { slack, clock, directory, calls } = await setup()
    await directory.membership(['S0ADMINS'])
    slack.setGroup('S0ADMINS', ['U2', 'U3'])
    clock.advance(61_000)
    const stale = [directory.membership(['S0ADMINS']), directory.membership(['S0ADMINS']), directory.membership(['S0ADMINS'])]
    for (const m of stale) {
      expect(m).not.toBeInstanceOf(Promise)
      expect((m as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
    }
    await until(() => calls() === 2 && (directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U3') === true)
    const fresh = directory.membership(['S0ADMINS']) as Membership
    expect(fresh.isMember('S0ADMINS', 'U1')).toBe(false)
    expect(calls()).toBe(2)
  })

  it('answers unknown when the budget runs out, not a moment before, and leaves the request to Slack running', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const held = heldFetch()
    const { directory } = await setup({ fetch: held.fetch, lookupTimeoutMs: BUDGET_MS })
    const lookup = directory.membership(['S0ADMINS'])
    expect(lookup).toBeInstanceOf(Promise)
    let answered: Membership | undefined
    void (lookup as Promise<Membership>).then((m) => void (answered = m))
    expect(held.signals).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(BUDGET_MS - 1)
    await settle()
    expect(answered).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(answered).toBeDefined()
    expect(answered?.isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(answered?.isMember('S0ADMINS', 'U9')).toBeUndefined()
    // The budget bounds the lookup, not the request: its answer fills the cache later.
    expect(held.signals[0]?.aborted).toBe(false)
    held.release(Response.json({ ok: true, users: ['U1'] }))
    await settle()
    expect((directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
  })

  it('answers as soon as Slack does, without waiting for the budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const held = heldFetch()
    const { directory } = await setup({ fetch: held.fetch, lookupTimeoutMs: BUDGET_MS })
    const lookup = directory.membership(['S0ADMINS']) as Promise<Membership>
    held.release(Response.json({ ok: true, users: ['U1'] }))
    // No timer has moved: the answer can only have come from the response.
    expect((await lookup).isMember('S0ADMINS', 'U1')).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  for (const mode of ['refuse', 'hang', '500'] as const) {
    it(`answers unknown on a cold cache when Slack is down (${mode})`, async () => {
      const { slack, directory, logger } = await setup({ lookupTimeoutMs: BUDGET_MS })
      slack.setDown(mode)
      const m = await directory.membership(['S0ADMINS'])
      expect(m.isMember('S0ADMINS', 'U1')).toBeUndefined()
      expect(m.isMember('S0ADMINS', 'U9')).toBeUndefined()
      if (mode === 'hang') return
      // A refused connection fails fast, with the socket's code, not by timing out.
      await until(() => logger.warnings.length > 0)
      expect(logger.warnings).toEqual([{ obj: { groupId: 'S0ADMINS', error: mode === '500' ? 'http_500' : 'ECONNRESET', cached: false }, msg: expect.any(String) }])
    })
  }

  it('keeps fetching after the budget and fills the cache for the next lookup', async () => {
    const held = heldFetch()
    const { directory, started } = await setup({ fetch: held.fetch, lookupTimeoutMs: BUDGET_MS })
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    // While the fetch runs, a lookup is still cold (a Promise), and joins the same request.
    expect(directory.membership(['S0ADMINS'])).toBeInstanceOf(Promise)
    held.release(Response.json({ ok: true, users: ['U1'] }))
    await until(() => {
      const m = directory.membership(['S0ADMINS'])
      return !(m instanceof Promise) && m.isMember('S0ADMINS', 'U1') === true
    })
    expect(started()).toBe(1)
  })

  it('answers from a stale (but not too stale) entry while Slack is down', async () => {
    const { slack, clock, directory, calls, logger } = await setup()
    await directory.membership(['S0ADMINS'])
    slack.setDown('500')
    clock.advance(300_000)
    const m = directory.membership(['S0ADMINS'])
    expect(m).not.toBeInstanceOf(Promise)
    expect((m as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
    await until(() => calls() === 2 && logger.warnings.length === 1)
    expect(logger.warnings[0]?.obj).toMatchObject({ groupId: 'S0ADMINS', error: 'http_500', cached: true })
    expect((directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
  })

  it('answers unknown once the entry is older than maxStale and Slack is down', async () => {
    const { slack, clock, directory } = await setup()
    await directory.membership(['S0ADMINS'])
    slack.setDown('refuse')
    clock.advance(601_000)
    const m = await directory.membership(['S0ADMINS'])
    expect(m.isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(m.isMember('S0ADMINS', 'U9')).toBeUndefined()
  })

  it('answers false for a group Slack does not have (no_such_subteam), and caches that', async () => {
    const { clock, directory, calls, logger } = await setup()
    expect((await directory.membership(['S0GONE'])).isMember('S0GONE', 'U1')).toBe(false)
    clock.advance(1000)
    const again = directory.membership(['S0GONE'])
    expect(again).not.toBeInstanceOf(Promise)
    expect((again as Membership).isMember('S0GONE', 'U1')).toBe(false)
    expect(calls()).toBe(1)
    expect(logger.warnings).toEqual([])
  })

  it('answers unknown on invalid_auth, and logs the code without the token', async () => {
    const slack = await startFakeSlackApi({ token: 'xoxb-the-right-one' })
    servers.push(slack)
    slack.setGroup('S0ADMINS', ['U1'])
    const logger = captureLogger()
    const directory = createSlackDirectory({ apiUrl: slack.url, token: () => TOKEN, ttlSeconds: 60, maxStaleSeconds: 600, lookupTimeoutMs: 1000, refreshIntervalMs: 0, logger })
    directories.push(directory)
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(slack.calls()[0]?.authorization).toBe(`Bearer ${TOKEN}`)
    expect(logger.warnings).toHaveLength(1)
    expect(logger.warnings[0]?.obj).toMatchObject({ groupId: 'S0ADMINS', error: 'invalid_auth' })
    expect(JSON.stringify(logger.warnings)).not.toContain(TOKEN)
  })

  it('never puts the token in a warning, whatever fails', async () => {
    const { slack, clock, directory, logger } = await setup({ lookupTimeoutMs: BUDGET_MS })
    const modes = ['refuse', '500', 'ratelimit', 'hang'] as const
    for (const mode of modes) {
      slack.setDown(mode)
      await directory.membership([`S0${mode.toUpperCase()}`])
      clock.advance(31_000)
    }
    await until(() => logger.warnings.length >= 3)
    expect(new Set(logger.warnings.map((w) => (w.obj as { error: string }).error)).size).toBeGreaterThanOrEqual(3)
    const text = JSON.stringify(logger.warnings)
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain('SECRETsecret')
    expect(slack.calls().every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true)
  })

  it('after a 429, sends nothing until Retry-After (30 s) has passed, for any group', async () => {
    const { slack, clock, directory, calls, logger } = await setup()
    slack.setGroup('S0ONCALL', ['U3'])
    slack.setDown('ratelimit')
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(calls()).toBe(1)
    expect(logger.warnings[0]?.obj).toMatchObject({ groupId: 'S0ADMINS', error: 'ratelimited', retryAfterMs: 30_000 })
    slack.setDown(false)
    clock.advance(29_000)
    const blocked = await directory.membership(['S0ADMINS', 'S0ONCALL'])
    expect(blocked.isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(blocked.isMember('S0ONCALL', 'U3')).toBeUndefined()
    expect(calls()).toBe(1)
    clock.advance(2000)
    const after = await directory.membership(['S0ADMINS', 'S0ONCALL'])
    expect(after.isMember('S0ADMINS', 'U1')).toBe(true)
    expect(after.isMember('S0ONCALL', 'U3')).toBe(true)
    expect(calls()).toBe(3)
  })

  it('keeps serving a cached entry while rate limited', async () => {
    const { slack, clock, directory, logger, started } = await setup()
    await directory.membership(['S0ADMINS'])
    slack.setDown('ratelimit')
    clock.advance(61_000)
    expect((directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
    await until(() => logger.warnings.length === 1)
    expect(started()).toBe(2)
    clock.advance(10_000)
    expect((directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
    expect(started()).toBe(2)
  })

  it('treats a response of the wrong shape as a failure', async () => {
    const bad: typeof fetch = async () => Response.json({ ok: true, users: ['U1', 2] })
    const { directory, logger } = await setup({ fetch: bad })
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(logger.warnings[0]?.obj).toMatchObject({ groupId: 'S0ADMINS', error: 'bad_response' })
  })

  it('treats a body that is not JSON as a failure', async () => {
    const bad: typeof fetch = async () => new Response('<html>', { status: 200 })
    const { directory, logger } = await setup({ fetch: bad })
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U1')).toBeUndefined()
    expect(logger.warnings[0]?.obj).toMatchObject({ groupId: 'S0ADMINS', error: 'bad_json' })
  })

  it('sends no request for a group id that is not a Slack id, and answers unknown', async () => {
    const { directory, calls, logger } = await setup()
    const odd = ['S0ADMINS&usergroup=S1', '__proto__', 's0admins', '', 'S0ADMINS\n']
    const m = await directory.membership(odd)
    for (const id of odd) expect(m.isMember(id, 'U1')).toBeUndefined()
    expect(calls()).toBe(0)
    expect(logger.warnings).toHaveLength(odd.length)
  })

  it('refreshes on a background timer, only entries older than the TTL; close() stops it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { slack, clock, directory, started } = await setup({ refreshIntervalMs: 10 })
    await directory.membership(['S0ADMINS'])
    vi.advanceTimersByTime(50)
    expect(started()).toBe(1)
    slack.setGroup('S0ADMINS', ['U9'])
    clock.advance(61_000)
    vi.advanceTimersByTime(10)
    expect(started()).toBe(2)
    // A read of the stale entry joins the timer's request in flight, and starts none.
    await until(() => (directory.membership(['S0ADMINS']) as Membership).isMember('S0ADMINS', 'U9') === true)
    expect(started()).toBe(2)
    directory.close()
    clock.advance(61_000)
    vi.advanceTimersByTime(50)
    expect(started()).toBe(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('refuses options that cannot work', () => {
    const base = { apiUrl: 'https://slack.com/api', token: () => TOKEN, ttlSeconds: 60, maxStaleSeconds: 600, lookupTimeoutMs: 100, refreshIntervalMs: 0 }
    expect(() => createSlackDirectory({ ...base, maxStaleSeconds: 30 })).toThrow(RangeError)
    expect(() => createSlackDirectory({ ...base, ttlSeconds: 0 })).toThrow(RangeError)
    expect(() => createSlackDirectory({ ...base, lookupTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => createSlackDirectory({ ...base, apiUrl: 'file:///etc' })).toThrow(RangeError)
    expect(() => createSlackDirectory({ ...base, teamId: 'T1&x=1' })).toThrow(RangeError)
    expect(() => createSlackDirectory(base).close()).not.toThrow()
  })
})

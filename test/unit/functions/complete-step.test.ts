import { setTimeout as sleep } from 'node:timers/promises'
import { WebClient } from '@slack/web-api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BLANK_STEP_ERROR, createStepCompleter, MAX_STEP_ERROR_LENGTH, type StepCompleterOptions } from '../../../src/functions/complete-step.js'
import { STEP_TOKEN_LIFETIME_MS } from '../../../src/functions/step-token.js'
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'

let slack: FakeSlackApi
let waits: number[]

beforeEach(async () => {
  slack = await startFakeSlackApi()
  waits = []
})

afterEach(() => slack.close())

/** A completer against the fake whose pauses are recorded, and skipped unless `realWait`. */
function completer(options: Partial<StepCompleterOptions> & { realWait?: boolean } = {}) {
  const { realWait = false, ...rest } = options
  return createStepCompleter({
    apiUrl: slack.url,
    timeoutMs: 5000,
    wait: async (ms) => {
      waits.push(ms)
      if (realWait) await sleep(ms)
    },
    ...rest,
  })
}

const expiry = () => Date.now() + STEP_TOKEN_LIFETIME_MS

describe('completing a custom step', () => {
  it('sends the outputs with the step token, as JSON, without following redirects', async () => {
    const { token } = slack.startStep('Fx1')
    const inits: RequestInit[] = []
    const complete = completer({ fetch: (url, init) => (inits.push(init ?? {}), fetch(url, init)) })
    await expect(complete('Fx1', token, { outputs: { ticket: 'OPS-7', count: 2 } }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(slack.completions()).toEqual([{ executionId: 'Fx1', method: 'functions.completeSuccess', outputs: { ticket: 'OPS-7', count: 2 }, ok: true, at: expect.any(Number) }])
    expect(slack.calls().map((c) => c.authorization)).toEqual([`Bearer ${token}`])
    expect(inits).toMatchObject([{ method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json; charset=utf-8' } }])
  })

  it('fails a step with completeError and its message', async () => {
    const { token } = slack.startStep('Fx2')
    await expect(completer()('Fx2', token, { error: 'the ticket system is down' }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(slack.completions()).toMatchObject([{ executionId: 'Fx2', method: 'functions.completeError', error: 'the ticket system is down', ok: true }])
  })

  it('never sends an empty error, cuts a long one, and scrubs the token out of it', async () => {
    const complete = completer()
    const steps = ['Fx3a', 'Fx3b', 'Fx3c'].map((id) => ({ id, token: slack.startStep(id).token }))
    const [blank, long, leaky] = steps as [(typeof steps)[0], (typeof steps)[0], (typeof steps)[0]]
    await complete(blank.id, blank.token, { error: '  ' }, expiry())
    await complete(long.id, long.token, { error: `${'x'.repeat(2000)}😀` }, expiry())
    await complete(leaky.id, leaky.token, { error: `refused ${leaky.token}` }, expiry())
    const [first, second, third] = slack.completions()
    expect(first).toMatchObject({ ok: true, error: BLANK_STEP_ERROR })
    expect(second?.ok).toBe(true)
    expect(second?.error).toHaveLength(MAX_STEP_ERROR_LENGTH)
    expect(second?.error?.endsWith('…')).toBe(true)
    expect(third).toMatchObject({ ok: true, error: 'refused [redacted]' })
  })

  it('waits exactly the Retry-After of a 429, then completes', async () => {
    const { token } = slack.startStep('Fx4')
    slack.failNextCompletions(1, { status: 429, retryAfterSeconds: 1 })
    await expect(completer({ realWait: true })('Fx4', token, { outputs: {} }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(waits).toEqual([1000])
    const [limited, done] = slack.completions()
    expect(limited).toMatchObject({ ok: false, slackError: 'ratelimited' })
    expect(done?.ok).toBe(true)
    expect((done?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000)
  })

  it('gives up at once when a Retry-After would pass the token expiry', async () => {
    const { token } = slack.startStep('Fx5')
    slack.failNextCompletions(1, { status: 429, retryAfterSeconds: 30 })
    const result = await completer()('Fx5', token, { outputs: {} }, Date.now() + 20_000)
    expect(result).toMatchObject({ status: 'failed', reason: 'step_token_expired' })
    expect(waits).toEqual([])
    expect(slack.completions()).toHaveLength(1)
  })

  it('sends again after HTTP 500, with a growing backoff, and completes once', async () => {
    const { token } = slack.startStep('Fx6')
    slack.failNextCompletions(2, { status: 500 })
    await expect(completer()('Fx6', token, { outputs: { done: true } }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(slack.completions().map((c) => c.ok)).toEqual([false, false, true])
    expect(slack.completions().filter((c) => c.ok)).toHaveLength(1)
    const [first, second] = waits as [number, number]
    expect(waits).toHaveLength(2)
    expect(first).toBeGreaterThanOrEqual(250)
    expect(first).toBeLessThanOrEqual(500)
    expect(second).toBeGreaterThanOrEqual(500)
    expect(second).toBeLessThanOrEqual(1000)
  })

  it.each(['internal_error', 'ratelimited', 'fatal_error', 'service_unavailable', 'request_timeout'])('sends again after Slack answers %s', async (error) => {
    const { token } = slack.startStep('Fx7')
    slack.failNextCompletions(1, { error })
    await expect(completer()('Fx7', token, { outputs: {} }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(slack.completions().map((c) => c.slackError)).toEqual([error, undefined])
  })

  it('tells onRetry of each call it sends again, before the wait, with why and without the token', async () => {
    const { token } = slack.startStep('Fx6b')
    slack.failNextCompletions(2, { error: 'internal_error' })
    const retries: unknown[] = []
    await expect(completer({ onRetry: (r) => retries.push(r) })('Fx6b', token, { error: 'no budget' }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(retries).toEqual([
      { executionId: 'Fx6b', method: 'functions.completeError', attempt: 1, problem: 'internal_error, HTTP 200', delayMs: waits[0] },
      { executionId: 'Fx6b', method: 'functions.completeError', attempt: 2, problem: 'internal_error, HTTP 200', delayMs: waits[1] },
    ])
    expect(JSON.stringify(retries)).not.toContain(token)
  })

  it('sends again after a network error and after a timeout', async () => {
    const { token } = slack.startStep('Fx8')
    const modes = ['refuse', 'hang', false] as const
    let tries = 0
    const complete = completer({
      timeoutMs: 300,
      fetch: (url, init) => {
        slack.setDown(modes[tries++] ?? false)
        return fetch(url, init)
      },
    })
    await expect(complete('Fx8', token, { outputs: {} }, expiry())).resolves.toEqual({ status: 'completed' })
    expect(tries).toBe(3)
    expect(slack.completions()).toMatchObject([{ ok: true }])
  })

  it('answers already_completed when the step was completed before', async () => {
    const { token } = slack.startStep('Fx9')
    const complete = completer()
    await expect(complete('Fx9', token, { outputs: {} }, expiry())).resolves.toEqual({ status: 'completed' })
    await expect(complete('Fx9', token, { error: 'late' }, expiry())).resolves.toEqual({ status: 'already_completed' })
    expect(slack.completions().map((c) => c.slackError)).toEqual([undefined, 'execution_not_in_running_state'])
  })

  it('a step whose token is refused fails with step_token_expired', async () => {
    slack.startStep('Fx10')
    const wrong = 'xwfp-1-not-the-step-token'
    const result = await completer()('Fx10', wrong, { outputs: {} }, expiry())
    expect(result).toMatchObject({ status: 'failed', reason: 'step_token_expired' })
    expect(result).toHaveProperty('error', expect.stringContaining('invalid_auth'))
    expect(JSON.stringify(result)).not.toContain(wrong)
  })

  it.each(['token_expired', 'token_revoked', 'not_authed', 'account_inactive'])('%s fails the step with step_token_expired, not sent again', async (error) => {
    const { token } = slack.startStep('Fx11')
    slack.failNextCompletions(1, { error })
    const result = await completer()('Fx11', token, { outputs: {} }, expiry())
    expect(result).toEqual({ status: 'failed', reason: 'step_token_expired', error: expect.stringContaining(error) })
    expect(slack.completions()).toHaveLength(1)
  })

  it('invalid outputs fail the step with step_completion_failed, naming Slack’s error', async () => {
    const { token } = slack.startStep('Fx12')
    slack.failNextCompletions(1, { error: 'invalid_arguments' })
    const result = await completer()('Fx12', token, { outputs: { wrong: 1 } }, expiry())
    expect(result).toEqual({ status: 'failed', reason: 'step_completion_failed', error: expect.stringContaining('invalid_arguments') })
    expect(slack.completions()).toHaveLength(1)
    expect(waits).toEqual([])
  })

  it('an unknown execution, or an HTTP 404, fails with step_completion_failed', async () => {
    const { token } = slack.startStep('Fx13')
    const unknown = await completer()('Fx-unknown', token, { outputs: {} }, expiry())
    expect(unknown).toEqual({ status: 'failed', reason: 'step_completion_failed', error: expect.stringContaining('function_execution_not_found') })
    const misrouted = await completer({ apiUrl: slack.url.replace(/\/api$/, '/elsewhere') })('Fx13', token, { outputs: {} }, expiry())
    expect(misrouted).toEqual({ status: 'failed', reason: 'step_completion_failed', error: expect.stringContaining('HTTP 404') })
  })

  it('stops at the token expiry while Slack keeps answering 500, starting no attempt that could not end before it', async () => {
    const { token } = slack.startStep('Fx14')
    slack.failNextCompletions(1000, { status: 500 })
    let clock = 1_000_000
    const started: number[] = []
    const deadline = clock + 60_000
    const timeoutMs = 5000
    const result = await completer({
      timeoutMs,
      now: () => clock,
      wait: async (ms) => void (waits.push(ms), (clock += ms)),
      fetch: (url, init) => (started.push(clock), fetch(url, init)),
    })('Fx14', token, { outputs: {} }, deadline)
    expect(result).toMatchObject({ status: 'failed', reason: 'step_token_expired' })
    expect(started.length).toBeGreaterThan(3)
    for (const at of started) expect(at + timeoutMs).toBeLessThanOrEqual(deadline)
    // It gave up only when the longest backoff and one more attempt could not fit.
    expect(deadline - (started.at(-1) ?? 0)).toBeLessThan(10_000 + timeoutMs)
    expect(slack.completions()).toHaveLength(started.length)
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000)
  })

  it('with no time left, sends nothing and answers step_token_expired', async () => {
    const { token } = slack.startStep('Fx15')
    const result = await completer()('Fx15', token, { outputs: {} }, Date.now() + 1000)
    expect(result).toMatchObject({ status: 'failed', reason: 'step_token_expired' })
    expect(slack.calls()).toEqual([])
  })

  it('keeps the token, and credentials Slack echoes, out of every returned error', async () => {
    const { token } = slack.startStep('Fx16')
    slack.failNextCompletions(1, { error: `invalid_arguments for ${token} xoxb-1-echoed-secret` })
    const echoed = await completer()('Fx16', token, { outputs: {} }, expiry())
    const thrown = await completer({
      now: (() => {
        let calls = 0
        // Enough time for one attempt only.
        return () => Date.now() + (calls++ > 0 ? STEP_TOKEN_LIFETIME_MS : 0)
      })(),
      fetch: () => Promise.reject(new TypeError(`fetch failed for Bearer ${token}`)),
    })('Fx16', token, { outputs: {} }, expiry())
    for (const result of [echoed, thrown]) {
      expect(result.status).toBe('failed')
      const text = JSON.stringify(result)
      expect(text).not.toContain(token)
      expect(text).not.toContain('echoed-secret')
    }
    expect(echoed).toMatchObject({ reason: 'step_completion_failed' })
    expect(thrown).toMatchObject({ reason: 'step_token_expired' })
  })
})

describe('the fake Slack API’s custom steps', () => {
  it('takes @slack/web-api’s form body, with outputs as a JSON string', async () => {
    const { token } = slack.startStep('Fx20')
    const client = new WebClient(token, { slackApiUrl: `${slack.url}/`, retryConfig: { retries: 0 } })
    await client.functions.completeSuccess({ function_execution_id: 'Fx20', outputs: { ticket: 'OPS-9' } })
    expect(slack.completions()).toMatchObject([{ executionId: 'Fx20', method: 'functions.completeSuccess', outputs: { ticket: 'OPS-9' }, ok: true }])
  })

  it('accepts a step token for Web API calls until the step completes, then answers token_revoked', async () => {
    const { token } = slack.startStep('Fx21', { token: 'xwfp-1-chosen-token' })
    expect(token).toBe('xwfp-1-chosen-token')
    const authTest = async () => (await (await fetch(`${slack.url}/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()) as { ok: boolean; error?: string }
    await expect(authTest()).resolves.toMatchObject({ ok: true })
    await completer()('Fx21', token, { outputs: {} }, expiry())
    await expect(authTest()).resolves.toEqual({ ok: false, error: 'token_revoked' })
  })
})

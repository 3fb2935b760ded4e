import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../contract/job-queue.contract.js'
import { startGateway, type RunningGateway } from '../helpers/cli.js'
import { startFakeSlackApi, type FakeSlackApi } from '../helpers/fake-slack-api.js'
import { queueCountsOf, scrapeMetrics, waitForQueueIdle } from '../helpers/queue-idle.js'
import { SECRET, slackHeaders } from '../helpers/signing.js'
import { stepEvent } from '../helpers/step-event.js'

// A custom step whose gateway is killed (kill -9) while its handler runs: the restarted
// gateway runs the handler again and completes the step with Slack exactly once, and Slack's
// retries of the event after the restart start nothing.

// The handler imports the built library, as the built CLI that runs it does: one copy of the
// SDK in the process, and no TypeScript to compile at each start.
const LIBRARY = new URL('../../dist/index.js', import.meta.url).pathname

const running: RunningGateway[] = []
const fakes: FakeSlackApi[] = []

afterAll(async () => {
  await Promise.all(running.map((g) => g.stop('SIGKILL')))
  await Promise.all(fakes.map((f) => f.close()))
})

// The step's handler: on its first run it leaves a marker and never returns (it is still
// "mid-step" when the process is killed); on any later run it returns its outputs.
const HANGS_FIRST = `async () => {
    const marker = process.env.STEP_MARKER
    if (existsSync(marker)) return { done: true }
    writeFileSync(marker, 'running')
    return new Promise(() => {})
  }`

// The step's handler: returns its outputs at once, every time.
const RETURNS = `async () => ({ done: true })`

/** A data directory and a config with one function route, `crash_step`, run by `handler`. */
function stepGateway(slack: FakeSlackApi, handler: string): { dir: string; config: string; marker: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-step-crash-'))
  const marker = join(dir, 'first-run')
  writeFileSync(
    join(dir, 'handlers.mjs'),
    `import { existsSync, writeFileSync } from 'node:fs'
import { defineHandlers } from ${JSON.stringify(LIBRARY)}
export default defineHandlers((gateway) => {
  gateway.function('crash_step', ${handler})
})
`,
  )
  const config = join(dir, 'slackgate.yaml')
  writeFileSync(
    config,
    `slack:
  apiUrl: "${slack.url}"
routes:
  - name: crash_step
    match: { function: crash_step }
    handler: ./handlers.mjs
    public: true
    retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 200 }
`,
  )
  return { dir, config, marker, env: { SLACK_SIGNING_SECRET: SECRET, HOST: '127.0.0.1', STEP_MARKER: marker } }
}

/** Posts `body` as Slack would (again, for a retry): signed now. */
async function postEvent(gateway: RunningGateway, body: string): Promise<number> {
  const headers = slackHeaders(body, { timestamp: Math.floor(Date.now() / 1000) })
  const res = await fetch(`${gateway.url}/slack/events`, { method: 'POST', headers, body })
  return res.status
}

/** Idle: nothing queued, active or waiting out a back-off; every completion there will be was made. */
async function idle(gateway: RunningGateway) {
  return waitForQueueIdle(async () => queueCountsOf(await scrapeMetrics(gateway.url)), 15_000)
}

/**
 * A step whose handler returns at once while Slack answers every completion 500: the first
 * gateway has taken it and is between two sends of functions.completeSuccess. `restart`
 * lets Slack answer again and starts a second gateway on the same data directory.
 */
async function stepWhileSlackFails(executionId: string, eventId: string) {
  const slack = await startFakeSlackApi()
  fakes.push(slack)
  const { token } = slack.startStep(executionId)
  const { dir, config, env } = stepGateway(slack, RETURNS)
  const body = JSON.stringify(stepEvent({ callbackId: 'crash_step', executionId, eventId, token, eventTime: Math.floor(Date.now() / 1000) }))
  slack.failNextCompletions(1_000, { status: 500 })
  const first = await startGateway('start', { cwd: dir, args: ['--config', config], env })
  running.push(first)
  expect(await postEvent(first, body)).toBe(200)
  return {
    slack,
    token,
    first,
    async restart() {
      slack.failNextCompletions(0, { status: 500 })
      const second = await startGateway('start', { cwd: dir, args: ['--config', config], env })
      running.push(second)
      return second
    },
  }
}

function duplicates(gateway: RunningGateway): number {
  return gateway.output().split('"verdict":"duplicate"').length - 1
}

describe('custom step crash (embedded default, a real child process)', () => {
  it('kill -9 mid-step ends, after the restart, in exactly one completion; retries start nothing', async () => {
    const slack = await startFakeSlackApi()
    fakes.push(slack)
    const executionId = 'Fx0CRASH1'
    const { token } = slack.startStep(executionId)
    const { dir, config, marker, env } = stepGateway(slack, HANGS_FIRST)
    const body = JSON.stringify(stepEvent({ callbackId: 'crash_step', executionId, eventId: 'Ev0CRASH1', token, eventTime: Math.floor(Date.now() / 1000) }))

    const first = await startGateway('start', { cwd: dir, args: ['--config', config], env })
    running.push(first)
    expect(await postEvent(first, body)).toBe(200)
    await waitFor(() => existsSync(marker), 15_000)
    await first.stop('SIGKILL')
    expect(slack.completions()).toEqual([])

    const second = await startGateway('start', { cwd: dir, args: ['--config', config], env })
    running.push(second)
    await waitFor(() => slack.completions().length > 0, 15_000)
    expect(await idle(second)).toEqual({ queued: 0, active: 0, dead: 0 })
    expect(slack.completions()).toEqual([expect.objectContaining({ executionId, method: 'functions.completeSuccess', outputs: { done: true }, ok: true })])

    // Slack retries the event (same body, signed anew), and sends the execution once more
    // under another event id: both are answered and neither runs the step again.
    expect(await postEvent(second, body)).toBe(200)
    await waitFor(() => duplicates(second) === 1)
    const again = JSON.stringify(stepEvent({ callbackId: 'crash_step', executionId, eventId: 'Ev0CRASH2', token, eventTime: Math.floor(Date.now() / 1000) }))
    expect(await postEvent(second, again)).toBe(200)
    await waitFor(() => duplicates(second) === 2)
    expect(await idle(second)).toEqual({ queued: 0, active: 0, dead: 0 })
    expect(slack.completions()).toHaveLength(1)
  }, 40_000)

  it('kill -9 while the completion call keeps failing ends, after the restart, in exactly one successful completion', async () => {
    // Slack answers 500 (and completes nothing) until the crash: the gateway is between two
    // sends of functions.completeSuccess when it is killed.
    const executionId = 'Fx0CRASH2'
    const { slack, first, restart } = await stepWhileSlackFails(executionId, 'Ev0CRASH3')
    await waitFor(() => slack.completions().length > 0, 15_000)
    await first.stop('SIGKILL')

    const second = await restart()
    await waitFor(() => slack.completions().some((c) => c.ok), 15_000)
    expect(await idle(second)).toEqual({ queued: 0, active: 0, dead: 0 })
    const completions = slack.completions()
    expect(completions.filter((c) => c.ok)).toEqual([expect.objectContaining({ executionId, method: 'functions.completeSuccess', outputs: { done: true } })])
    // Every other call is one Slack refused before the crash, and ran nothing.
    expect(completions.filter((c) => !c.ok).map((c) => c.slackError)).toEqual(completions.slice(0, -1).map(() => 'internal_error'))
    expect(completions.at(-1)?.ok).toBe(true)
  }, 40_000)

  it('a shutdown while the completion keeps failing says what it waits for; a second signal stops it, and the restart completes the step once', async () => {
    const executionId = 'Fx0STOP1'
    const { slack, token, first, restart } = await stepWhileSlackFails(executionId, 'Ev0STOP1')
    await waitFor(() => first.output().includes('step completion failed for now'), 15_000)
    first.child.kill('SIGTERM')
    await waitFor(() => first.output().includes('still waiting for deliveries in flight'), 15_000)
    expect(first.child.exitCode).toBeNull()
    first.child.kill('SIGTERM')
    await waitFor(() => first.child.exitCode !== null, 15_000)
    expect(first.child.exitCode).toBe(1)
    expect(first.output()).toContain('stopping now, without waiting for the deliveries in flight')
    expect(first.output()).not.toContain(token)

    const second = await restart()
    await waitFor(() => slack.completions().some((c) => c.ok), 15_000)
    expect(await idle(second)).toEqual({ queued: 0, active: 0, dead: 0 })
    expect(slack.completions().filter((c) => c.ok)).toEqual([expect.objectContaining({ executionId, method: 'functions.completeSuccess', outputs: { done: true } })])
  }, 60_000)
})

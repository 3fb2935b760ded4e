import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { slackTools, installationQuery } from '../../../src/dispatch/handler-context.js'
import { createLogger } from '../../../src/http/logger.js'
import { createSlackAccess } from '../../../src/slack-api/slack-access.js'
import { createTokenRefresher } from '../../../src/slack-api/token-refresh.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api.js'
import { createMemoryVault, type MemoryVault } from '../../helpers/memory-vault.js'

const TOKEN = 'xoxb-4242-context-token'
let slack: FakeSlackApi
let vault: MemoryVault

beforeAll(async () => {
  slack = await startFakeSlackApi({ token: TOKEN })
  vault = createMemoryVault()
  await vault.save({ key: 'enterprise:E1', appId: 'A1', enterpriseId: 'E1', isEnterpriseInstall: true, installedAt: 0, origin: 'oauth', bot: { token: TOKEN, scopes: [] } })
})

afterAll(() => slack.close())

function tools(request: SlackRequest) {
  const logger = createLogger({ level: 'silent' })
  const refresher = createTokenRefresher({ vault, logger, audit: { append: async () => undefined }, refreshBeforeSeconds: 7200, exchange: () => Promise.reject(new Error('no refresh here')) })
  return slackTools(createSlackAccess({ vault, refresher, apiUrl: slack.url, logger, timeoutMs: 2000, maxRetryAfterSeconds: 0 }), request)
}

const command = (context: SlackRequest['context']): SlackRequest => ({ kind: 'command', source: 'commands', command: '/x', text: '', context, payload: {} })

describe('a handler context', () => {
  it('finds the installation of the request workspace, else its organisation org-wide one', async () => {
    expect(installationQuery(command({ teamId: 'T9', enterpriseId: 'E1' }))).toEqual({ teamId: 'T9', enterpriseId: 'E1' })
    await tools(command({ teamId: 'T9', enterpriseId: 'E1', channelId: 'C1' })).say({ text: 'org-wide' })
    expect(slack.posts().at(-1)).toMatchObject({ token: TOKEN, channel: 'C1', text: 'org-wide' })
  })

  it('say() without a channel is no_channel, and posts nothing', async () => {
    const before = slack.calls().length
    await expect(tools(command({ teamId: 'T9', enterpriseId: 'E1' })).say('x')).rejects.toMatchObject({ code: 'no_channel' })
    expect(slack.calls()).toHaveLength(before)
  })

  it('a request no installation serves: its calls fail with installation_not_found, before anything is sent', async () => {
    const before = slack.calls().length
    const err = await tools(command({ teamId: 'T404', channelId: 'C1' }))
      .say('x')
      .catch((e: unknown) => e)
    expect((err as { original?: unknown }).original).toMatchObject({ code: 'installation_not_found' })
    expect(slack.calls()).toHaveLength(before)
  })
})

describe('the client of a handler context', () => {
  it('is built on first use only (a handler that never calls Slack costs no WebClient), then kept', async () => {
    const logger = createLogger({ level: 'silent' })
    const refresher = createTokenRefresher({ vault, logger, audit: { append: async () => undefined }, refreshBeforeSeconds: 7200, exchange: () => Promise.reject(new Error('no refresh here')) })
    const access = createSlackAccess({ vault, refresher, apiUrl: slack.url, logger, timeoutMs: 2000, maxRetryAfterSeconds: 0 })
    let built = 0
    const counting = { ...access, clientFor: (query: Parameters<typeof access.clientFor>[0]) => (built++, access.clientFor(query)) }
    const context = slackTools(counting, command({ teamId: 'T9', enterpriseId: 'E1', channelId: 'C1' }))
    expect(built).toBe(0)
    expect(context.client).toBe(context.client)
    await context.say('once')
    expect(built).toBe(1)
  })
})

import { describe, expect, it } from 'vitest'
import type { Membership } from '../../src/policy/directory.js'
import { createSlackDirectory } from '../../src/policy/directory.slack.js'
import { createStaticDirectory } from '../../src/policy/directory.static.js'
import { startFakeSlackApi } from '../helpers/fake-slack-api.js'
import { describeDirectory } from './directory.contract.js'

describeDirectory('static', async (groups) => ({ directory: createStaticDirectory(groups) }))

describeDirectory('slack', async (groups) => {
  const slack = await startFakeSlackApi()
  for (const [id, users] of Object.entries(groups)) slack.setGroup(id, users)
  const directory = createSlackDirectory({
    apiUrl: slack.url,
    token: () => slack.token,
    ttlSeconds: 60,
    maxStaleSeconds: 600,
    lookupTimeoutMs: 2000,
    refreshIntervalMs: 0,
  })
  return { directory, cleanup: () => slack.close() }
})

describe('static Directory', () => {
  it('answers synchronously', () => {
    const membership = createStaticDirectory({ S0ADMINS: ['U1'] }).membership(['S0ADMINS'])
    expect(membership).not.toBeInstanceOf(Promise)
    expect((membership as Membership).isMember('S0ADMINS', 'U1')).toBe(true)
  })

  it('treats prototype names as plain group ids', async () => {
    const groups = JSON.parse('{"__proto__": ["U1"], "constructor": ["U2"]}') as Record<string, string[]>
    const m = await createStaticDirectory(groups).membership([])
    expect(m.isMember('__proto__', 'U1')).toBe(true)
    expect(m.isMember('constructor', 'U2')).toBe(true)
    expect(m.isMember('constructor', 'U1')).toBe(false)
    expect(m.isMember('toString', 'U1')).toBe(false)
    expect(m.isMember('hasOwnProperty', 'U1')).toBe(false)
  })

  it('is not changed by later edits to the config it was built from', async () => {
    const users = ['U1']
    const directory = createStaticDirectory({ S0ADMINS: users })
    users.push('U2')
    expect((await directory.membership(['S0ADMINS'])).isMember('S0ADMINS', 'U2')).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/config/errors.js'
import { problemsOf } from '../../helpers/config-error.js'
import { loadYaml } from '../../helpers/config-file.js'

const route = (access: string, match = '{ command: /deploy }') => `routes:
  - name: deploy
    match: ${match}
    forward: { url: http://svc.internal/deploy }
${access}`

const workflowJwt = `    jwt:
      algorithms: [HS256]
      secret: { ref: env:WF }
`

describe('access rules in config', () => {
  it('refuses a route without a rule: routes are closed by default', () => {
    const problems = problemsOf(() => loadYaml(route('')))
    expect(problems).toEqual([{ key: 'routes[0].access', message: expect.stringMatching(/closed by default.*public: true/) }])
  })

  it('takes a route that says public: true, and one with rules', () => {
    expect(loadYaml(route('    public: true\n')).routes[0]).toMatchObject({ public: true })
    const config = loadYaml(route('    access:\n      rules:\n        - { name: ops, workspaces: [T1], channels: [C1] }\n'))
    expect(config.routes[0]?.access?.rules[0]).toEqual({ name: 'ops', workspaces: ['T1'], channels: ['C1'], allowDirectMessages: false, allowSharedChannels: false })
  })

  it.each([
    ['public with rules as well', route('    public: true\n    access:\n      rules: [{ name: a, workspaces: [T1] }]\n'), 'routes[0].public', /remove one/],
    ['public: false without rules', route('    public: false\n'), 'routes[0].access', /closed by default/],
    ['no rules', route('    access:\n      rules: []\n'), 'routes[0].access.rules', /./],
    ['an empty list', route('    access:\n      rules: [{ name: a, users: [] }]\n'), 'routes[0].access.rules[0].users', /never match/],
    ['a channel name for an id', route('    access:\n      rules: [{ name: a, channels: ["#deploys"] }]\n'), 'routes[0].access.rules[0].channels[0]', /channel id/],
    ['a user handle for an id', route('    access:\n      rules: [{ name: a, users: ["@alice"] }]\n'), 'routes[0].access.rules[0].users[0]', /user id/],
    ['a team id among enterprises', route('    access:\n      rules: [{ name: a, enterprises: [T1] }]\n'), 'routes[0].access.rules[0].enterprises[0]', /enterprise id/],
    ['a misspelt rule key', route('    access:\n      rules: [{ name: a, channel: [C1] }]\n'), 'routes[0].access.rules[0]', /unknown key\(s\): channel/],
    ['two rules with one name', route('    access:\n      rules: [{ name: a, users: [U1] }, { name: a, users: [U2] }]\n'), 'routes[0].access.rules[1].name', /duplicate rule name/],
    ['an empty deny list', route('    access:\n      rules: [{ name: a, users: [U1] }]\n      deny: {}\n'), 'routes[0].access.deny', /empty deny/],
    ['scopes on a Slack route', route('    access:\n      rules: [{ name: a, scopes: [deploy] }]\n'), 'routes[0].access', /only a workflow route/],
    ['subjects denied on a Slack route', route('    access:\n      rules: [{ name: a, users: [U1] }]\n      deny: { subjects: [svc] }\n'), 'routes[0].access', /only a workflow route/],
    ['a user group without a directory', route('    access:\n      rules: [{ name: a, userGroups: [S1] }]\n'), 'routes[0].access.rules[0].userGroups', /needs a directory/],
    [
      'a user group missing from the static directory',
      `directory:\n  userGroups: { S1: [U1] }\n${route('    access:\n      rules: [{ name: a, users: [U1] }]\n      deny: { userGroups: [S2] }\n')}`,
      'routes[0].access.deny.userGroups',
      /S2 is not in directory.userGroups/,
    ],
    ['both directory kinds', 'directory:\n  userGroups: { S1: [U1] }\n  slack: { botToken: { ref: env:BOT } }\n', 'directory', /exactly one/],
    ['a live directory whose maxStale is under its TTL', 'directory:\n  slack: { botToken: { ref: env:BOT }, ttlSeconds: 600, maxStaleSeconds: 60 }\n', 'directory.slack.maxStaleSeconds', /at least ttlSeconds/],
    ['a lookup budget past Slack\'s 3 s', 'directory:\n  slack: { botToken: { ref: env:BOT }, lookupTimeoutMs: 5000 }\n', 'directory.slack.lookupTimeoutMs', /./],
    ['a literal bot token', 'directory:\n  slack: { botToken: { ref: xoxb-123 } }\n', 'directory.slack.botToken.ref', /secret reference/],
  ])('refuses %s', (_name, yaml, key, message) => {
    const problems = problemsOf(() => loadYaml(yaml, { WF: 'w'.repeat(40), BOT: 'xoxb-test' }))
    expect(problems).toContainEqual({ key, message: expect.stringMatching(message) })
  })

  it('takes subjects and scopes on a workflow route', () => {
    const config = loadYaml(
      route(`${workflowJwt}    access:\n      rules: [{ name: billing, subjects: [svc-billing], scopes: ["payments:approve"] }]\n`, '{ workflow: approve }'),
      { WF: 'w'.repeat(40) },
    )
    expect(config.routes[0]?.access?.rules[0]).toMatchObject({ subjects: ['svc-billing'], scopes: ['payments:approve'] })
  })

  it('resolves a live directory; its bot token is read by reference and never printable', () => {
    const config = loadYaml('directory:\n  slack: { botToken: { ref: env:BOT }, apiUrl: "http://127.0.0.1:9/api" }\n', { BOT: 'xoxb-secret-value' })
    expect(config.directory).toMatchObject({ kind: 'slack', apiUrl: 'http://127.0.0.1:9/api', ttlSeconds: 300, maxStaleSeconds: 3600, lookupTimeoutMs: 1000 })
    expect(config.directory?.kind === 'slack' && config.directory.token()).toBe('xoxb-secret-value')
    expect(JSON.stringify(config)).not.toContain('xoxb-secret-value')
  })

  it('names an unset bot token variable, as unresolved_secret', () => {
    try {
      loadYaml('directory:\n  slack: { botToken: { ref: env:BOT } }\n')
      throw new Error('expected a ConfigError')
    } catch (err) {
      expect((err as ConfigError).code).toBe('unresolved_secret')
      expect((err as ConfigError).problems).toEqual([{ key: 'directory.slack.botToken.ref', message: 'environment variable BOT is not set' }])
    }
  })

  it('takes the admin contact for refusals, globally and per route', () => {
    const config = loadYaml(`policy:\n  adminContact: "#it-help"\n${route('    access:\n      adminContact: "@oncall"\n      rules: [{ name: a, users: [U1] }]\n')}`)
    expect(config.policy.adminContact).toBe('#it-help')
    expect(config.routes[0]?.access?.adminContact).toBe('@oncall')
    expect(loadYaml('').policy.adminContact).toBe('your Slack admin')
  })
})

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'slackgate-manifest-cli-'))
const schema = JSON.parse(readFileSync(new URL('../fixtures/slack-manifest.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>
const validate = new Ajv2020({ strict: true }).compile(schema)

function config(name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

const install = `slack:
  clientId: "1111111111.2222222222"
  clientSecret: { ref: env:CLIENT_SECRET }
install:
  redirectUrl: https://gw.example.com/slack/oauth_redirect
  scopes: { bot: [commands, "chat:write"] }
`
const routes = `routes:
  - name: approve-expense
    match: { function: approve_expense }
    forward: { url: "https://internal.example.com/steps" }
    public: true
    step:
      title: Approve expense
      inputs:
        type: object
        properties:
          amount: { type: number, title: Amount }
          requester: { type: string, title: Requester, x-slack-type: "slack#/types/user_id", x-slack-hint: Who spent it }
          note: { type: string, title: Note }
        required: [amount, requester]
  - name: deploy
    match: { command: /deploy }
    description: Deploy a service
    forward: { url: "https://internal.example.com/deploy" }
    public: true
`
const full = config('full.yaml', install + routes)
const bare = config('bare.yaml', routes)

const manifest = (...args: string[]) => runCli(['manifest', ...args], { env: { CLIENT_SECRET: 'client-secret-never-printed' } })

describe('slackgate manifest', () => {
  it('prints the manifest as YAML, at the origin of install.redirectUrl, without reading or printing a secret', () => {
    const out = runCli(['manifest', '-c', full])
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    const printed = parse(out.stdout) as Record<string, any>
    expect(validate(printed)).toBe(true)
    expect(printed.features.slash_commands).toEqual([{ command: '/deploy', url: 'https://gw.example.com/slack/commands', description: 'Deploy a service', should_escape: false }])
    expect(printed.settings.event_subscriptions).toEqual({ request_url: 'https://gw.example.com/slack/events', bot_events: ['function_executed', 'app_uninstalled', 'tokens_revoked'] })
    expect(printed.functions.approve_expense.input_parameters).toEqual({
      amount: { type: 'number', title: 'Amount', name: 'amount', is_required: true },
      requester: { type: 'slack#/types/user_id', title: 'Requester', hint: 'Who spent it', name: 'requester', is_required: true },
      note: { type: 'string', title: 'Note', name: 'note', is_required: false },
    })
    expect(printed.functions.approve_expense.description).toBe('Approve expense')
    const withSecret = manifest('-c', full)
    expect(withSecret.stdout).toBe(out.stdout)
    expect(withSecret.stdout).not.toContain('client-secret-never-printed')
  })

  it('prints JSON with --format json, at --url (its path kept), under --name; a loopback http URL is taken for development', () => {
    const out = manifest('-c', bare, '--url', 'http://127.0.0.1:3000/gw/', '--name', 'Expenses', '--format', 'json', '--token-rotation')
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    const printed = JSON.parse(out.stdout) as Record<string, any>
    expect(printed.display_information).toEqual({ name: 'Expenses' })
    expect(printed.settings.interactivity).toEqual({ is_enabled: true, request_url: 'http://127.0.0.1:3000/gw/slack/interactions' })
    expect(printed.settings.token_rotation_enabled).toBe(true)
    expect(printed.oauth_config).toEqual({ scopes: { bot: ['commands'] } })
  })

  it.each([
    ['no --url and no install.redirectUrl', [bare], '--url is required'],
    ['an http URL off loopback', [full, '--url', 'http://gw.example.com'], '--url must be https'],
    ['a URL with a query', [full, '--url', 'https://gw.example.com/?a=1'], 'no query'],
    ['a name over 35 characters', [full, '--name', 'n'.repeat(36)], '--name must be 1 to 35 characters'],
    ['an unknown format', [full, '--format', 'xml'], "argument 'xml' is invalid"],
  ])('is a usage error (exit 2) with %s', (_what, [file, ...args], message) => {
    const out = manifest('-c', file as string, ...args)
    expect(out.status).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toContain(message)
  })

  it('declares the scopes the routes need and those --bot-scope adds, shortcuts and the Messages tab, and warns about what it cannot declare', () => {
    const events = config(
      'events.yaml',
      `${routes}  - { name: mentions, match: { event: app_mention }, forward: { url: "https://internal.example.com/m" }, public: true }
  - { name: novel, match: { event: brand_new_event }, forward: { url: "https://internal.example.com/n" }, public: true }
  - { name: dms, match: { event: message.im }, forward: { url: "https://internal.example.com/d" }, public: true }
  - { name: new-expense, match: { shortcut: new_expense }, shortcut: { type: global, name: New expense }, forward: { url: "https://internal.example.com/s" }, public: true }
  - { name: bare, match: { shortcut: bare }, forward: { url: "https://internal.example.com/b" }, public: true }
`,
    )
    const out = manifest('-c', events, '--url', 'https://gw.example.com', '--bot-scope', 'chat:write', 'users:read')
    expect(out.status).toBe(0)
    expect(out.stderr).toBe(
      'warning: slackgate does not know which scope the brand_new_event event needs: if Slack asks for one, add it to oauth_config.scopes.bot (or --bot-scope)\n' +
        'warning: route bare is a shortcut with no shortcut: { type, name } in the config: it is not in the manifest (add that, or declare it under features.shortcuts yourself)\n',
    )
    const printed = parse(out.stdout) as Record<string, any>
    expect(validate(printed)).toBe(true)
    expect(printed.oauth_config).toEqual({ scopes: { bot: ['chat:write', 'users:read', 'commands', 'app_mentions:read', 'im:history'] } })
    expect(printed.settings.event_subscriptions.bot_events).toEqual(['app_mention', 'brand_new_event', 'message.im', 'function_executed'])
    expect(printed.features.shortcuts).toEqual([{ name: 'New expense', type: 'global', callback_id: 'new_expense', description: 'New expense' }])
    expect(printed.features.app_home).toEqual({ home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false })
  })

  it('is a usage error (exit 2) with --bot-scope beside install, with a scope that is not one, or with an event install.scopes lacks', () => {
    const beside = manifest('-c', full, '--bot-scope', 'chat:write')
    expect(beside.status).toBe(2)
    expect(beside.stderr).toContain('--bot-scope is for a config without install: with it, the bot scopes are install.scopes.bot (add chat:write there)')
    const bad = manifest('-c', bare, '--url', 'https://gw.example.com', '--bot-scope', 'Chat Write')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--bot-scope "Chat Write" is not a Slack scope')
    const lacking = config('lacking.yaml', `${install}${routes}  - { name: mentions, match: { event: app_mention }, forward: { url: "https://internal.example.com/m" }, public: true }\n`)
    const refused = manifest('-c', lacking)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('route mentions: install.scopes.bot: the app_mention event needs the app_mentions:read scope: add it')
    expect(refused.stdout).toBe('')
  })

  it('exits 2 naming the route and the property Slack cannot express', () => {
    const file = config(
      'pattern.yaml',
      `routes:
  - name: codes
    match: { function: codes }
    forward: { url: "https://internal.example.com/codes" }
    public: true
    step:
      inputs: { type: object, properties: { code: { type: string, pattern: "^[A-Z]+$" } } }
`,
    )
    const out = manifest('-c', file, '--url', 'https://gw.example.com')
    expect(out.status).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toContain('slackgate: route codes: step.inputs.code.pattern: ')
  })
})

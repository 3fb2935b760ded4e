import { describe, expect, it } from 'vitest'
import { appManifest, eventsOfUnknownScope, undeclaredShortcuts } from '../../../src/manifest/app-manifest.js'
import { ManifestError } from '../../../src/manifest/manifest-error.js'
import { everything, source } from './configs.js'

const options = { url: 'https://gw.example.com', name: 'slackgate' }
const target = { forward: { url: 'https://internal.example.com/slack' }, public: true } as const

describe('appManifest', () => {
  it('declares every Slack-facing route at the gateway’s own endpoints, and the install flow', () => {
    expect(appManifest(everything, options)).toEqual({
      display_information: { name: 'slackgate' },
      features: {
        app_home: { home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
        bot_user: { display_name: 'slackgate', always_online: false },
        slash_commands: [
          { command: '/deploy', url: 'https://gw.example.com/slack/commands', description: 'Deploy a service', should_escape: false },
          { command: '/status', url: 'https://gw.example.com/slack/commands', description: 'Runs /status', should_escape: false },
        ],
      },
      oauth_config: {
        redirect_urls: ['https://gw.example.com/slack/oauth_redirect'],
        scopes: { bot: ['commands', 'chat:write', 'app_mentions:read', 'im:history'], user: ['users:read'] },
      },
      settings: {
        event_subscriptions: {
          request_url: 'https://gw.example.com/slack/events',
          bot_events: ['app_mention', 'message.im', 'function_executed', 'app_uninstalled', 'tokens_revoked'],
        },
        interactivity: { is_enabled: true, request_url: 'https://gw.example.com/slack/interactions' },
        org_deploy_enabled: true,
        function_runtime: 'remote',
        token_rotation_enabled: false,
      },
      functions: {
        approve_expense: {
          title: 'Approve expense',
          description: 'Ask a manager to approve an expense',
          input_parameters: {
            amount: { type: 'number', title: 'Amount', description: 'In euros', minimum: 0, name: 'amount', is_required: true },
            requester: { type: 'slack#/types/user_id', title: 'Requester', hint: 'Who spent it', name: 'requester', is_required: true },
            note: { type: 'string', title: 'Note', name: 'note', is_required: false },
          },
          output_parameters: { approved: { type: 'boolean', title: 'Approved', name: 'approved', is_required: true } },
        },
        archive_channel: { title: 'archive_channel', description: 'archive_channel', input_parameters: {}, output_parameters: {} },
      },
    })
  })

  it('a command alone: the commands scope, no events, no interactivity, no functions', () => {
    const manifest = appManifest(source({ routes: [{ name: 'deploy', match: { command: '/deploy' }, ...target }] }), { ...options, url: 'https://gw.example.com/' })
    expect(manifest.oauth_config).toEqual({ scopes: { bot: ['commands'] } })
    expect(manifest.features.slash_commands?.[0]?.url).toBe('https://gw.example.com/slack/commands')
    expect(manifest.settings).toEqual({ token_rotation_enabled: false })
    expect(manifest.functions).toBeUndefined()
  })

  it('events alone: the subscriptions and the scopes they need, no OAuth section for an event that needs none', () => {
    const manifest = appManifest(source({ routes: [{ name: 'mentions', match: { event: 'app_mention' }, ...target }] }), options)
    expect(manifest.settings).toEqual({ event_subscriptions: { request_url: 'https://gw.example.com/slack/events', bot_events: ['app_mention'] }, token_rotation_enabled: false })
    expect(manifest.oauth_config).toEqual({ scopes: { bot: ['app_mentions:read'] } })
    expect(appManifest(source({ routes: [{ name: 'home', match: { event: 'app_home_opened' }, ...target }] }), options).oauth_config).toBeUndefined()
    expect(manifest.features.slash_commands).toBeUndefined()
  })

  it('a view or a shortcut turns interactivity on; an event type two routes share is subscribed once', () => {
    const manifest = appManifest(
      source({
        routes: [
          { name: 'form', match: { view: 'expense_form' }, ...target },
          { name: 'a', match: { shortcut: 'new_expense' }, ...target },
        ],
      }),
      options,
    )
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: 'https://gw.example.com/slack/interactions' })
    expect(manifest.settings.event_subscriptions).toBeUndefined()
    expect(manifest.settings.org_deploy_enabled).toBeUndefined()
  })

  it('an options route sets the options load URL; a message route subscribes to the message events its history scopes allow', () => {
    const handler = { handler: './h.ts', public: true } as const
    const routes = [
      { name: 'who', match: { options: 'assignee' }, ...handler },
      { name: 'deploys', match: { message: { pattern: '^deploy' } }, ...handler },
    ]
    const manifest = appManifest(source({ routes }), options)
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: 'https://gw.example.com/slack/interactions',
      message_menu_options_url: 'https://gw.example.com/slack/interactions',
    })
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['message.channels', 'message.groups', 'message.im', 'message.mpim'])
    expect(manifest.oauth_config).toEqual({ scopes: { bot: ['channels:history', 'groups:history', 'im:history', 'mpim:history'] } })
    const scoped = appManifest(source({ routes, install: { redirectUrl: 'https://gw.example.com/slack/oauth_redirect', scopes: { bot: ['chat:write', 'channels:history', 'im:history'] } } }), options)
    expect(scoped.settings.event_subscriptions?.bot_events).toEqual(['message.channels', 'message.im', 'app_uninstalled', 'tokens_revoked'])
  })

  it('without install: the given bot scopes, then each one a command or an event needs, once; one of several will do', () => {
    const routes = [
      { name: 'deploy', match: { command: '/deploy' }, ...target },
      { name: 'mentions', match: { event: 'app_mention' }, ...target },
      { name: 'reactions', match: { event: 'reaction_added' }, ...target },
      { name: 'unreactions', match: { event: 'reaction_removed' }, ...target },
      { name: 'joins', match: { event: 'member_joined_channel' }, ...target },
      { name: 'private-joins', match: { event: 'member_left_channel' }, ...target },
      { name: 'dms', match: { event: 'message.im' }, ...target },
    ]
    const manifest = appManifest(source({ routes }), { ...options, botScopes: ['chat:write', 'groups:read'] })
    expect(manifest.oauth_config).toEqual({ scopes: { bot: ['chat:write', 'groups:read', 'commands', 'app_mentions:read', 'reactions:read', 'im:history'] } })
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_mention', 'reaction_added', 'reaction_removed', 'member_joined_channel', 'member_left_channel', 'message.im'])
    expect(appManifest(source({ routes: routes.slice(4, 5) }), options).oauth_config).toEqual({ scopes: { bot: ['channels:read'] } })
  })

  it('event: message subscribes like a message route; a given history scope narrows it; App Home messages are subscribed by name', () => {
    const every = source({ routes: [{ name: 'all', match: { event: 'message' }, ...target }] })
    expect(appManifest(every, options).settings.event_subscriptions?.bot_events).toEqual(['message.channels', 'message.groups', 'message.im', 'message.mpim'])
    const narrowed = appManifest(every, { ...options, botScopes: ['im:history'] })
    expect(narrowed.settings.event_subscriptions?.bot_events).toEqual(['message.im'])
    expect(narrowed.oauth_config).toEqual({ scopes: { bot: ['im:history'] } })
    const home = appManifest(source({ routes: [{ name: 'home', match: { event: 'message.app_home' }, ...target }] }), options)
    expect(home.settings.event_subscriptions?.bot_events).toEqual(['message.app_home'])
    expect(home.oauth_config).toEqual({ scopes: { bot: ['im:history'] } })
  })

  it('with install, refuses an event whose scope install.scopes.bot lacks, naming the route and the scope (the install would be refused for it)', () => {
    const install = { redirectUrl: 'https://gw.example.com/slack/oauth_redirect', scopes: { bot: ['chat:write', 'groups:read'] } }
    const refused = (match: Record<string, unknown>) => () => appManifest(source({ install, routes: [{ name: 'r', match, ...target }] }), options)
    expect(refused({ event: 'app_mention' })).toThrow(new ManifestError('install.scopes.bot', 'the app_mention event needs the app_mentions:read scope: add it (installs granted more than install.scopes are refused)', 'r'))
    expect(refused({ event: 'message.mpim' })).toThrow(/^route r: install\.scopes\.bot: the message\.mpim event needs the mpim:history scope/)
    expect(refused({ message: 'deploy' })).toThrow(/^route r: install\.scopes\.bot: message routes need one of channels:history, groups:history, im:history, mpim:history: add it/)
    // groups:read is one of the scopes member_joined_channel takes.
    expect(refused({ event: 'member_joined_channel' })().oauth_config?.scopes).toEqual({ bot: ['chat:write', 'groups:read'] })
  })

  it('an event whose scope slackgate does not know is subscribed to as it is, and named for the operator', () => {
    const routes = [
      { name: 'new', match: { event: 'brand_new_event' }, ...target },
      { name: 'mentions', match: { event: 'app_mention' }, ...target },
      { name: 'all', match: { event: 'message' }, ...target },
    ]
    const manifest = appManifest(source({ routes }), options)
    expect(manifest.settings.event_subscriptions?.bot_events?.slice(0, 2)).toEqual(['brand_new_event', 'app_mention'])
    expect(eventsOfUnknownScope(source({ routes }).routes)).toEqual(['brand_new_event'])
  })

  it('declares the shortcuts routes describe, global or on messages; a shortcut route without one is named for the operator', () => {
    const routes = [
      { name: 'new-expense', match: { shortcut: 'new_expense' }, shortcut: { type: 'global', name: 'New expense', description: 'File an expense' }, ...target },
      { name: 'flag', match: { shortcut: 'flag_message' }, shortcut: { type: 'message', name: 'Flag for review' }, ...target },
      { name: 'bare', match: { shortcut: 'bare' }, ...target },
    ] as const
    const manifest = appManifest(source({ routes: [...routes] }), options)
    expect(manifest.features.shortcuts).toEqual([
      { name: 'New expense', type: 'global', callback_id: 'new_expense', description: 'File an expense' },
      { name: 'Flag for review', type: 'message', callback_id: 'flag_message', description: 'Flag for review' },
    ])
    expect(manifest.settings.interactivity?.is_enabled).toBe(true)
    expect(undeclaredShortcuts(source({ routes: [...routes] }).routes)).toEqual(['bare'])
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `s${i}`, match: { shortcut: `s${i}` }, shortcut: { type: 'global', name: `S${i}` }, ...target }) as const)
    expect(() => appManifest(source({ routes: eleven }), options)).toThrow(/^shortcut: Slack takes at most 10 shortcuts per app; 11 routes declare one/)
  })

  it('turns on the Messages tab for direct messages to the app, and the Home tab for app_home_opened', () => {
    const tabs = (match: Record<string, unknown>) => appManifest(source({ routes: [{ name: 'r', match, ...target }] }), options).features.app_home
    expect(tabs({ event: 'message.im' })).toEqual({ home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false })
    expect(tabs({ message: 'help' })).toEqual({ home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false })
    expect(tabs({ event: 'app_home_opened' })).toEqual({ home_tab_enabled: true, messages_tab_enabled: false, messages_tab_read_only_enabled: false })
    expect(tabs({ event: 'app_mention' })).toBeUndefined()
  })

  it('the install flow alone subscribes to the lifecycle events it applies', () => {
    const manifest = appManifest(source({ install: { redirectUrl: 'https://gw.example.com/slack/oauth_redirect', scopes: { bot: ['chat:write'] } }, routes: [] }), options)
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_uninstalled', 'tokens_revoked'])
    expect(manifest.oauth_config).toEqual({ redirect_urls: ['https://gw.example.com/slack/oauth_redirect'], scopes: { bot: ['chat:write'] } })
  })

  it('turns token rotation on when asked', () => {
    expect(appManifest(everything, { ...options, tokenRotation: true }).settings.token_rotation_enabled).toBe(true)
  })

  it('refuses a command longer than Slack takes, naming the route', () => {
    const long = source({ routes: [{ name: 'long', match: { command: `/${'d'.repeat(32)}` }, ...target }] })
    expect(() => appManifest(long, options)).toThrow(new ManifestError('match.command', 'Slack takes commands of at most 32 characters, the / included', 'long'))
    const fits = source({ routes: [{ name: 'fits', match: { command: `/${'d'.repeat(31)}` }, ...target }] })
    expect(appManifest(fits, options).features.slash_commands).toHaveLength(1)
  })

  it('refuses commands when install.scopes.bot lacks the commands scope (the install would be refused for it)', () => {
    const config = source({
      install: { redirectUrl: 'https://gw.example.com/slack/oauth_redirect', scopes: { bot: ['chat:write'] } },
      routes: [{ name: 'deploy', match: { command: '/deploy' }, ...target }],
    })
    expect(() => appManifest(config, options)).toThrow(/^install\.scopes\.bot: slash commands need the commands scope/)
  })

  it('refuses a step whose inputs Slack cannot express, naming the route and the property', () => {
    const config = source({
      routes: [{ name: 'approve', match: { function: 'approve' }, ...target, step: { inputs: { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]+$' } } } } }],
    })
    expect(() => appManifest(config, options)).toThrow('route approve: step.inputs.code.pattern: ')
  })
})

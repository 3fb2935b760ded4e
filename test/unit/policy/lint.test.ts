import { describe, expect, it } from 'vitest'
import type { RouteConfig } from '../../../src/config/schema.js'
import { buildRegistry } from '../../../src/dispatch/handler-registry.js'
import { defineHandlers } from '../../../src/dispatch/sdk.js'
import { lintHandlers, lintPolicies } from '../../../src/policy/lint.js'

const route = (name: string, match: RouteConfig['match'], over: Partial<RouteConfig> = {}) =>
  ({ name, match, public: true, retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 300_000 }, ...over }) as RouteConfig

describe('lintPolicies', () => {
  it('warns about a public Slack route, not about a hook route (the schema requires it to say public)', () => {
    const findings = lintPolicies([route('status', { command: '/status' }), route('github', { hook: 'github' })])
    expect(findings.map((f) => [f.code, f.route])).toEqual([['public_route', 'status']])
  })

  it('warns about a public route of a preset: slack source, which carries a Slack identity and takes rules', () => {
    const findings = lintPolicies([route('github', { hook: 'github' }), route('app2', { hook: 'app2' })], undefined, new Set(['app2']))
    expect(findings.map((f) => [f.code, f.route])).toEqual([['public_route', 'app2']])
  })
})

describe('lintHandlers', () => {
  const registry = buildRegistry(
    defineHandlers((g) => {
      g.command('/deploy', () => {}).event('app_mention', () => {})
    }),
    '/h.mjs',
  )

  it('says nothing when each route is served and each registration routed', () => {
    const routes = [route('deploy', { command: '/deploy' }, { handler: '/h.mjs' }), route('mentions', { event: 'app_mention' }, { handler: '/h.mjs' })]
    expect(lintHandlers(routes, { registries: new Map([['/h.mjs', registry]]), problems: [] })).toEqual([])
  })

  it('turns load problems into missing_handler errors, and warns about a registration no route with this handler matches', () => {
    // app_mention is matched, but by a route that forwards: the module's handler never runs.
    const routes = [route('deploy', { command: '/deploy' }, { handler: '/h.mjs' }), route('mentions', { event: 'app_mention' }, { forward: { url: 'http://127.0.0.1:9/m', timeoutMs: 1000 } })]
    const findings = lintHandlers(routes, { registries: new Map([['/h.mjs', registry]]), problems: [{ index: 2, route: 'gone', message: 'cannot find /gone.mjs' }] })
    expect(findings).toEqual([
      { level: 'error', code: 'missing_handler', route: 'gone', message: 'cannot find /gone.mjs' },
      { level: 'warning', code: 'unrouted_handler', route: 'deploy', message: expect.stringContaining('/h.mjs registers event app_mention, but no route with this handler matches it') },
    ])
  })

  it('a pattern registration is routed by a pattern route of its kind, and a message registration by an event: message route', () => {
    const patterns = buildRegistry(
      defineHandlers((g) => {
        g.action(/^approve_/, () => {})
        g.message(/^deploy/, () => {})
        g.view('new_ticket', { ack: () => undefined })
      }),
      '/p.mjs',
    )
    const routes = [
      route('approvals', { action: { pattern: '^approve_' } }, { handler: '/p.mjs' }),
      route('messages', { event: 'message' }, { handler: '/p.mjs' }),
      route('tickets', { view: 'new_ticket' }, { handler: '/p.mjs', ack: { deadlineMs: 2500 } }),
    ]
    expect(lintHandlers(routes, { registries: new Map([['/p.mjs', patterns]]), problems: [] })).toEqual([])
    const findings = lintHandlers(routes.slice(2), { registries: new Map([['/p.mjs', patterns]]), problems: [] })
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('registers action (pattern)'), expect.stringContaining('registers message (pattern)')])
  })

  it('message events: event: message reaches each subscription registration, a subscription route reaches event: message, not another subscription', () => {
    const kinds = buildRegistry(
      defineHandlers((g) => {
        g.event('message', () => {}).event('message.im', () => {}).event('message.channels', () => {})
      }),
      '/m.mjs',
    )
    const lint = (routes: RouteConfig[]) => lintHandlers(routes, { registries: new Map([['/m.mjs', kinds]]), problems: [] }).map((f) => f.message.replace(/.*registers (\S+ \S+),.*/, '$1'))
    expect(lint([route('all', { event: 'message' }, { handler: '/m.mjs' })])).toEqual([])
    expect(lint([route('dms', { event: 'message.im' }, { handler: '/m.mjs' })])).toEqual(['event message.channels'])
  })
})

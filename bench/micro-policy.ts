import { accessSchema } from '../src/config/access-schema.js'
import type { RouteConfig } from '../src/config/schema.js'
import { createAuthorizer } from '../src/policy/authorize.js'
import type { SlashCommand } from '../src/slack/slack-request.js'
import { median } from './lib/stats.js'

export interface MicroPolicyRow {
  readonly case: string
  /** Decisions per second (route lookup, request facts and decide), median of the runs. */
  readonly decisionsPerSecond: number
  readonly nanosPerDecision: number
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(9, '0')}`)

function routes(count: number, usersPerRule: number): RouteConfig[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `r${i}`,
    match: { command: `/cmd${i}` },
    forward: { url: 'http://svc.internal/x', timeoutMs: 1000 },
    retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 300_000 },
    access: accessSchema.parse({
      rules: [{ name: `rule${i}`, workspaces: ['T0001'], channels: ['C0001'], users: [...ids('U', usersPerRule - 1), 'U0001'] }],
      deny: { users: ['U0666'] },
    }),
  }))
}

const command = (n: number): SlashCommand => ({
  kind: 'command',
  source: 'commands',
  command: `/cmd${n}`,
  text: 'prod',
  context: { teamId: 'T0001', channelId: 'C0001', userId: 'U0001' },
  payload: {},
})

/**
 * What the policy stage costs per request, and whether it grows: with 10, 1,000 and 10,000
 * routes (each with its rule and deny list), and with a rule listing 10 or 100,000 users.
 */
export function microPolicy(runs = 5, count = 200_000): MicroPolicyRow[] {
  const cases = [
    { case: '10 routes, 10 users per rule', routes: routes(10, 10) },
    { case: '1,000 routes, 10 users per rule', routes: routes(1000, 10) },
    { case: '10,000 routes, 10 users per rule', routes: routes(10_000, 10) },
    { case: '10 routes, 100,000 users per rule', routes: routes(10, 100_000) },
  ].map((c) => ({ ...c, authorize: createAuthorizer({ routes: c.routes, adminContact: 'x' }), request: command(c.routes.length - 1) }))
  const once = (c: (typeof cases)[number]) => {
    const start = performance.now()
    let allowed = 0
    for (let i = 0; i < count; i++) {
      const d = c.authorize(c.request)
      if (d !== undefined && !(d instanceof Promise) && d.allow) allowed++
    }
    if (allowed !== count) throw new Error(`${c.case}: expected every request allowed`)
    return count / ((performance.now() - start) / 1000)
  }
  for (const c of cases) once(c) // warm
  const samples = cases.map(() => [] as number[])
  for (let r = 0; r < runs; r++) cases.forEach((c, i) => samples[i]?.push(once(c)))
  return cases.map((c, i) => {
    const rate = median(samples[i] ?? [])
    return { case: c.case, decisionsPerSecond: Math.round(rate), nanosPerDecision: Math.round(1e9 / rate) }
  })
}

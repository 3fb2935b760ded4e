import { describe, expect, it } from 'vitest'
import type { RuleConfig } from '../../../src/config/access-schema.js'
import type { RouteConfig } from '../../../src/config/schema.js'
import { covers, lintPolicies } from '../../../src/policy/lint.js'
import { compileAccess, type AccessRule } from '../../../src/policy/route-access.js'

type Rule = Partial<RuleConfig> & { name: string }
const rule = (r: Rule): RuleConfig => ({ allowDirectMessages: false, allowSharedChannels: false, ...r })
const route = (name: string, rules: Rule[], deny?: Record<string, string[]>, extra: Partial<RouteConfig> = {}): RouteConfig =>
  ({ name, match: { command: `/${name}` }, access: { rules: rules.map(rule), ...(deny !== undefined && { deny }) }, ...extra }) as RouteConfig
const compiled = (r: Rule): AccessRule => {
  const access = compileAccess({ rules: [rule(r)] })
  if (access.public) throw new Error('a rule list compiles to a closed policy')
  return access.rules[0] as AccessRule
}
const codes = (findings: ReturnType<typeof lintPolicies>) => findings.map((f) => [f.level, f.code, f.route, f.rule ?? null])

describe('policy lint of access rules', () => {
  it('says nothing about a sound policy', () => {
    expect(lintPolicies([route('deploy', [{ name: 'ops', workspaces: ['T1'], channels: ['C1'], users: ['U1'] }], { users: ['U9'] })])).toEqual([])
  })

  it('finds rules the deny list makes unreachable, with the reason', () => {
    const findings = lintPolicies([
      route('a', [{ name: 'ws', workspaces: ['T1'], enterprises: ['E1'] }], { workspaces: ['T1'], enterprises: ['E1'] }),
      route('b', [{ name: 'chan', channels: ['C1', 'D1'] }], { channels: ['C1'] }),
      route('c', [{ name: 'who', users: ['U1'], userGroups: ['S1'] }], { users: ['U1'], userGroups: ['S1'] }),
      route('d', [{ name: 'svc', subjects: ['svc-a'] }], { subjects: ['svc-a'] }),
    ])
    expect(findings.filter((f) => f.code === 'never_matches').map((f) => [f.route, f.rule, f.message])).toEqual([
      ['a', 'ws', 'rule ws can never match: every workspace and enterprise it lists is denied'],
      ['b', 'chan', 'rule chan can never match: every channel it lists is denied or a DM (DMs are allowed by allowDirectMessages, not by id)'],
      ['c', 'who', 'rule who can never match: no user it names is left once the deny list and the directory are applied'],
      ['d', 'svc', 'rule svc can never match: every subject it lists is denied'],
    ])
    expect(findings.every((f) => f.code !== 'never_matches' || f.level === 'error')).toBe(true)
  })

  it('keeps a rule that still has one workspace, enterprise, channel, user or subject left, or allows DMs', () => {
    const findings = lintPolicies([
      route('a', [{ name: 'ws', workspaces: ['T1', 'T2'] }], { workspaces: ['T1'] }),
      route('a2', [{ name: 'ent', workspaces: ['T1'], enterprises: ['E1'] }], { workspaces: ['T1'] }),
      route('b', [{ name: 'chan', channels: ['C1', 'C2'] }], { channels: ['C1'] }),
      route('b2', [{ name: 'dms', channels: ['C1'], allowDirectMessages: true }], { channels: ['C1'] }),
      route('c', [{ name: 'who', users: ['U1', 'U2'] }], { users: ['U1'] }),
      route('c2', [{ name: 'grp', users: ['U1'], userGroups: ['S1'] }], { users: ['U1'] }),
      route('d', [{ name: 'svc', subjects: ['svc-a', 'svc-b'] }], { subjects: ['svc-a'] }),
    ])
    expect(findings.filter((f) => f.code === 'never_matches')).toEqual([])
  })

  it('with a static directory, knows a group left empty by the deny list lets no one in', () => {
    const routes = [route('g', [{ name: 'grp', userGroups: ['S1'] }], { users: ['U1'] })]
    expect(codes(lintPolicies(routes, { S1: ['U1'] }))).toEqual([['error', 'never_matches', 'g', 'grp']])
    expect(lintPolicies(routes, { S1: ['U1', 'U2'] })).toEqual([])
    // Without a static directory, a group's members are not known: no finding.
    expect(lintPolicies(routes)).toEqual([])
    expect(codes(lintPolicies(routes, {}))).toEqual([['error', 'never_matches', 'g', 'grp']])
  })

  it('warns about entries the deny list cancels, and DM ids in a channel list', () => {
    const findings = lintPolicies([
      route('x', [{ name: 'mixed', workspaces: ['T1', 'T2'], enterprises: ['E1', 'E2'], channels: ['C1', 'C2', 'D7'], users: ['U1', 'U2'], userGroups: ['S1', 'S2'], subjects: ['s1', 's2'] }], {
        workspaces: ['T1'],
        enterprises: ['E1'],
        channels: ['C1'],
        users: ['U1'],
        userGroups: ['S1'],
        subjects: ['s1'],
      }),
    ])
    expect(findings.filter((f) => f.code === 'dead_entry').map((f) => [f.level, f.message])).toEqual(
      ['T1', 'E1', 'C1', 'U1', 's1', 'S1'].map((id) => ['warning', `rule mixed lists ${id}, which the deny list refuses (deny wins)`]).concat([
        ['warning', 'rule mixed lists D7 (a DM: channel lists do not apply to DMs), which the deny list refuses (deny wins)'],
      ]),
    )
  })

  it('warns about a rule an earlier rule already covers, naming both', () => {
    const findings = lintPolicies([route('o', [{ name: 'broad', workspaces: ['T1'] }, { name: 'narrow', workspaces: ['T1'], channels: ['C1'] }, { name: 'elsewhere', workspaces: ['T2'] }])])
    expect(findings).toEqual([{ level: 'warning', code: 'overlap', route: 'o', rule: 'narrow', message: 'rule narrow overlaps rule broad, which already allows everything it allows' }])
  })
})

describe('covers', () => {
  const cases: Array<[string, Rule, Rule, boolean]> = [
    ['a rule with no lists covers any', { name: 'a' }, { name: 'b', workspaces: ['T1'], users: ['U1'] }, true],
    ['fewer workspaces do not cover more', { name: 'a', workspaces: ['T1'] }, { name: 'b', workspaces: ['T1', 'T2'] }, false],
    ['a place-bound rule does not cover an unbound one', { name: 'a', workspaces: ['T1'] }, { name: 'b' }, false],
    ['enterprises are compared too', { name: 'a', workspaces: ['T1'], enterprises: ['E1'] }, { name: 'b', workspaces: ['T1'], enterprises: ['E2'] }, false],
    ['channels: a subset is covered', { name: 'a', channels: ['C1', 'C2'] }, { name: 'b', channels: ['C2'] }, true],
    ['channels: no list is not covered by a list', { name: 'a', channels: ['C1'] }, { name: 'b' }, false],
    ['channels: another channel is not covered', { name: 'a', channels: ['C1'] }, { name: 'b', channels: ['C2'] }, false],
    ['users: a subset is covered', { name: 'a', users: ['U1', 'U2'] }, { name: 'b', users: ['U1'] }, true],
    ['users: anyone is not covered by some', { name: 'a', users: ['U1'] }, { name: 'b' }, false],
    ['groups are compared too', { name: 'a', userGroups: ['S1'] }, { name: 'b', userGroups: ['S2'] }, false],
    ['subjects: another is not covered', { name: 'a', subjects: ['s1'] }, { name: 'b', subjects: ['s2'] }, false],
    ['subjects: any is not covered by some', { name: 'a', subjects: ['s1'] }, { name: 'b' }, false],
    ['scopes: asking more is covered by asking less', { name: 'a', scopes: ['x'] }, { name: 'b', scopes: ['x', 'y'] }, true],
    ['scopes: asking less is not covered by asking more', { name: 'a', scopes: ['x', 'y'] }, { name: 'b', scopes: ['x'] }, false],
    ['scopes: asking none is not covered by asking some', { name: 'a', scopes: ['x'] }, { name: 'b' }, false],
    ['DMs allowed are not covered by DMs refused', { name: 'a' }, { name: 'b', allowDirectMessages: true }, false],
    ['shared channels allowed are not covered by refused', { name: 'a' }, { name: 'b', allowSharedChannels: true }, false],
    ['allowing DMs and shared channels covers refusing them', { name: 'a', allowDirectMessages: true, allowSharedChannels: true }, { name: 'b' }, true],
  ]
  it.each(cases)('%s', (_name, a, b, expected) => {
    expect(covers(compiled(a), compiled(b))).toBe(expected)
  })
})

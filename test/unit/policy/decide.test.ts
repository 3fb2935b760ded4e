import { describe, expect, it } from 'vitest'
import { accessSchema } from '../../../src/config/access-schema.js'
import type { AccessRequest } from '../../../src/policy/access-request.js'
import { decide, type Decision } from '../../../src/policy/decide.js'
import type { Membership } from '../../../src/policy/directory.js'
import { compileAccess, compileRouteAccess } from '../../../src/policy/route-access.js'

const access = (config: unknown) => compileAccess(accessSchema.parse(config))

/** A member of S_OPS (U_OPS), not of S_SEC; S_DOWN cannot be looked up. */
const membership: Membership = {
  isMember: (group, user) => {
    if (group === 'SDOWN') return undefined
    if (group === 'SOPS') return user === 'UOPS'
    return false
  },
}

const inChannel: AccessRequest = { teamId: 'T1', enterpriseId: 'E1', channelId: 'C1', userId: 'U1', directMessage: false, sharedChannel: false }
const req = (over: Partial<AccessRequest>): AccessRequest => ({ ...inChannel, ...over })
const allow = (rule: string): Decision => ({ allow: true, rule })
const refuse = (reason: string, rule: string) => ({ allow: false, reason, rule })

const rule = (over: Record<string, unknown>) => ({ rules: [{ name: 'r', ...over }] })

describe('decide', () => {
  it.each<[string, unknown, AccessRequest, Decision | ReturnType<typeof refuse>]>([
    // workspaces and enterprises
    ['a listed workspace', rule({ workspaces: ['T1'] }), inChannel, allow('r')],
    ['another workspace', rule({ workspaces: ['T2'] }), inChannel, refuse('workspace_not_allowed', 'r')],
    ['no team at all, with workspaces listed', rule({ workspaces: ['T1'] }), req({ teamId: undefined }), refuse('workspace_not_allowed', 'r')],
    ['a listed enterprise', rule({ enterprises: ['E1'] }), req({ teamId: 'T9' }), allow('r')],
    ['another enterprise', rule({ enterprises: ['E2'] }), inChannel, refuse('enterprise_not_allowed', 'r')],
    ['no enterprise id (not on Grid)', rule({ enterprises: ['E1'] }), req({ enterpriseId: undefined }), refuse('enterprise_not_allowed', 'r')],
    ['workspace or enterprise: the enterprise matches', rule({ workspaces: ['T2'], enterprises: ['E1'] }), inChannel, allow('r')],
    ['workspace or enterprise: neither matches', rule({ workspaces: ['T2'], enterprises: ['E2'] }), inChannel, refuse('workspace_not_allowed', 'r')],
    // channels, DMs, Slack Connect
    ['a listed channel', rule({ channels: ['C1', 'C2'] }), inChannel, allow('r')],
    ['another channel', rule({ channels: ['C2'] }), inChannel, refuse('channel_not_allowed', 'r')],
    ['no channel (a global shortcut), with channels listed', rule({ channels: ['C1'] }), req({ channelId: undefined }), refuse('channel_not_allowed', 'r')],
    ['no channel, no channel list', rule({ workspaces: ['T1'] }), req({ channelId: undefined }), allow('r')],
    ['a DM, by default', rule({ workspaces: ['T1'] }), req({ channelId: 'D1', directMessage: true }), refuse('direct_message_not_allowed', 'r')],
    ['a DM, allowed', rule({ workspaces: ['T1'], allowDirectMessages: true }), req({ channelId: 'D1', directMessage: true }), allow('r')],
    ['a DM, allowed, with a channel list (which does not apply to DMs)', rule({ channels: ['C1'], allowDirectMessages: true }), req({ channelId: 'D1', directMessage: true }), allow('r')],
    ['a Slack Connect channel, by default', rule({ workspaces: ['T1'] }), req({ sharedChannel: true }), refuse('shared_channel_not_allowed', 'r')],
    ['a Slack Connect channel, allowed', rule({ workspaces: ['T1'], allowSharedChannels: true }), req({ sharedChannel: true }), allow('r')],
    ['a user from a foreign workspace', rule({ workspaces: ['T1'] }), req({ userTeamId: 'TFOREIGN' }), refuse('shared_channel_not_allowed', 'r')],
    ['a foreign user, shared channels allowed', rule({ workspaces: ['T1'], allowSharedChannels: true }), req({ userTeamId: 'TFOREIGN' }), allow('r')],
    ['a user from another listed workspace (same org)', rule({ workspaces: ['T1', 'T2'] }), req({ userTeamId: 'T2' }), allow('r')],
    ['a user whose home is the request workspace', rule({ workspaces: ['T1'] }), req({ userTeamId: 'T1' }), allow('r')],
    // users and user groups
    ['a listed user', rule({ users: ['U1'] }), inChannel, allow('r')],
    ['an unlisted user', rule({ users: ['U2'] }), inChannel, refuse('user_not_allowed', 'r')],
    ['no user (a bot event), with users listed', rule({ users: ['U1'] }), req({ userId: undefined }), refuse('user_not_allowed', 'r')],
    ['a member of a listed group', rule({ userGroups: ['SOPS'] }), req({ userId: 'UOPS' }), allow('r')],
    ['not a member of any listed group', rule({ userGroups: ['SOPS', 'SSEC'] }), inChannel, refuse('user_not_allowed', 'r')],
    ['users or groups: listed user, not a member', rule({ users: ['U1'], userGroups: ['SSEC'] }), inChannel, allow('r')],
    ['users or groups: a member, not listed', rule({ users: ['U2'], userGroups: ['SOPS'] }), req({ userId: 'UOPS' }), allow('r')],
    ['a group that cannot be looked up', rule({ userGroups: ['SDOWN'] }), inChannel, refuse('directory_unavailable', 'r')],
    ['a listed user needs no lookup', rule({ users: ['U1'], userGroups: ['SDOWN'] }), inChannel, allow('r')],
    ['a member of one group, the other unknown', rule({ userGroups: ['SDOWN', 'SOPS'] }), req({ userId: 'UOPS' }), allow('r')],
    // JWT subjects and scopes
    ['a listed subject', rule({ subjects: ['svc-billing'] }), req({ subject: 'svc-billing' }), allow('r')],
    ['another subject', rule({ subjects: ['svc-billing'] }), req({ subject: 'svc-other' }), refuse('subject_not_allowed', 'r')],
    ['no subject', rule({ subjects: ['svc-billing'] }), inChannel, refuse('subject_not_allowed', 'r')],
    ['every scope granted', rule({ scopes: ['payments:approve', 'payments:read'] }), req({ scopes: ['payments:read', 'payments:approve', 'x'] }), allow('r')],
    ['a scope missing', rule({ scopes: ['payments:approve', 'payments:read'] }), req({ scopes: ['payments:read'] }), refuse('scope_not_granted', 'r')],
    ['no scopes at all (not a token)', rule({ scopes: ['payments:read'] }), inChannel, refuse('scope_not_granted', 'r')],
    // all lists together: every one must match
    ['every kind at once, all matching', rule({ workspaces: ['T1'], channels: ['C1'], users: ['U1'], subjects: ['s'], scopes: ['a'] }), req({ subject: 's', scopes: ['a'] }), allow('r')],
    ['every kind at once, the channel wrong', rule({ workspaces: ['T1'], channels: ['C9'], users: ['U1'] }), inChannel, refuse('channel_not_allowed', 'r')],
  ])('%s', (_name, config, request, expected) => {
    expect(decide(request, access(config), membership)).toEqual(expected)
  })

  describe('deny lists win over every rule', () => {
    const open = { name: 'anyone', workspaces: ['T1', 'T2'], allowDirectMessages: true, allowSharedChannels: true }
    it.each<[string, Record<string, unknown>, AccessRequest, string]>([
      ['a denied workspace', { workspaces: ['T1'] }, inChannel, 'workspace_denied'],
      ["a denied user's home workspace", { workspaces: ['T2'] }, req({ userTeamId: 'T2' }), 'workspace_denied'],
      ['a denied enterprise', { enterprises: ['E1'] }, inChannel, 'enterprise_denied'],
      ['a denied channel', { channels: ['C1'] }, inChannel, 'channel_denied'],
      ['a denied user', { users: ['U1'] }, inChannel, 'user_denied'],
      ['a denied group member', { userGroups: ['SOPS'] }, req({ userId: 'UOPS' }), 'user_group_denied'],
      ['a deny group that cannot be looked up (fail closed)', { userGroups: ['SDOWN'] }, inChannel, 'directory_unavailable'],
      ['a denied subject', { subjects: ['svc-x'] }, req({ subject: 'svc-x' }), 'subject_denied'],
    ])('%s', (_name, deny, request, reason) => {
      const policy = access({ rules: [open, { name: 'named', users: [request.userId ?? 'U1'] }], deny })
      expect(decide(request, policy, membership)).toEqual(refuse(reason, 'deny'))
    })

    it('lets through what the deny list does not name', () => {
      const policy = access({ rules: [open], deny: { users: ['U666'], userGroups: ['SSEC'] } })
      expect(decide(inChannel, policy, membership)).toEqual(allow('anyone'))
    })
  })

  describe('several rules', () => {
    const policy = access({
      rules: [
        { name: 'deployers-in-deploys', workspaces: ['T1'], channels: ['CDEPLOY'], userGroups: ['SOPS'] },
        { name: 'lead-anywhere', workspaces: ['T1'], users: ['ULEAD'], allowDirectMessages: true },
      ],
    })

    it('the first rule that matches allows, and is named', () => {
      expect(decide(req({ channelId: 'CDEPLOY', userId: 'UOPS' }), policy, membership)).toEqual(allow('deployers-in-deploys'))
      expect(decide(req({ channelId: 'D1', directMessage: true, userId: 'ULEAD' }), policy, membership)).toEqual(allow('lead-anywhere'))
    })

    it('when none matches, the first rule gives the reason', () => {
      expect(decide(req({ channelId: 'CDEPLOY', userId: 'U1' }), policy, membership)).toEqual(refuse('user_not_allowed', 'deployers-in-deploys'))
    })

    it('a rule that could not be checked is reported over a plain mismatch', () => {
      const withDown = access({ rules: [{ name: 'a', users: ['U9'] }, { name: 'b', userGroups: ['SDOWN'] }] })
      expect(decide(inChannel, withDown, membership)).toEqual(refuse('directory_unavailable', 'b'))
    })
  })

  it('a public route allows anyone verified', () => {
    expect(decide(inChannel, compileRouteAccess({ public: true }), membership)).toEqual(allow('public'))
  })

  it('a route with neither rules nor public: true is refused when compiled', () => {
    expect(() => compileRouteAccess({})).toThrow(/public: true/)
  })
})

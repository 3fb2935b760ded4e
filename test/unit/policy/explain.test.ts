import { describe, expect, it } from 'vitest'
import { accessSchema } from '../../../src/config/access-schema.js'
import type { AccessRequest } from '../../../src/policy/access-request.js'
import { explain } from '../../../src/policy/explain.js'
import { compileAccess, compileRouteAccess } from '../../../src/policy/route-access.js'

const nobody = { isMember: () => false }
const request: AccessRequest = { teamId: 'T1', channelId: 'C1', userId: 'U1', directMessage: false, sharedChannel: false }

describe('policy explain', () => {
  it('gives the decision with the deny list\'s answer, then every rule\'s, in order', () => {
    const access = compileAccess(
      accessSchema.parse({ rules: [{ name: 'elsewhere', channels: ['C2'] }, { name: 'here', channels: ['C1'] }, { name: 'later', workspaces: ['T1'] }], deny: { users: ['U9'] } }),
    )
    expect(explain(request, access, nobody)).toEqual({
      decision: { allow: true, rule: 'here' },
      steps: [
        { rule: 'deny', result: 'no match' },
        { rule: 'elsewhere', result: 'channel_not_allowed' },
        { rule: 'here', result: 'allow' },
        { rule: 'later', result: 'allow' },
      ],
    })
  })

  it('shows the deny list refusing, and leaves out a deny step when there is no deny list', () => {
    const denied = compileAccess(accessSchema.parse({ rules: [{ name: 'all', workspaces: ['T1'] }], deny: { users: ['U1'] } }))
    expect(explain(request, denied, nobody)).toEqual({
      decision: { allow: false, reason: 'user_denied', rule: 'deny' },
      steps: [
        { rule: 'deny', result: 'user_denied' },
        { rule: 'all', result: 'allow' },
      ],
    })
    const open = compileAccess(accessSchema.parse({ rules: [{ name: 'all', workspaces: ['T2'] }] }))
    expect(explain(request, open, nobody).steps).toEqual([{ rule: 'all', result: 'workspace_not_allowed' }])
  })

  it('explains a public route in one step', () => {
    expect(explain(request, compileRouteAccess({ public: true }), nobody)).toEqual({ decision: { allow: true, rule: 'public' }, steps: [{ rule: 'public', result: 'allow' }] })
  })
})

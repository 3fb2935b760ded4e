import { describe, expect, it } from 'vitest'
import { nonceKeys } from '../../../src/replay/nonce-keys.js'
import type { SlackRequest } from '../../../src/slack/slack-request.js'

const SIG = `v0=${'ab'.repeat(32)}`
const base = { source: 'events' as const, context: {}, payload: {} }

describe('nonceKeys', () => {
  it('an event claims its signature, then its event_id atomically with the enqueue', () => {
    const r = { ...base, kind: 'event', type: 'app_mention', eventId: 'Ev1' } as SlackRequest
    expect(nonceKeys(r, SIG)).toEqual({ primary: 'event:Ev1', others: [`sig:${'ab'.repeat(32)}`] })
  })

  it('a custom step runs once per function_execution_id', () => {
    const r = { ...base, kind: 'function_executed', callbackId: 'approve', inputs: {}, eventId: 'Ev1', functionExecutionId: 'Fx1' } as SlackRequest
    expect(nonceKeys(r, SIG)).toEqual({ primary: 'function:Fx1', others: [`sig:${'ab'.repeat(32)}`, 'event:Ev1'] })
  })

  it('commands and interactions claim their trigger_id', () => {
    const r = { ...base, source: 'commands', kind: 'command', command: '/a', text: '', triggerId: 't.1' } as SlackRequest
    expect(nonceKeys(r, SIG).primary).toBe('trigger:t.1')
  })

  it('without any payload id, the signature is the key', () => {
    const r = { ...base, source: 'interactions', kind: 'view_closed', callbackId: 'c' } as SlackRequest
    expect(nonceKeys(r, SIG)).toEqual({ primary: `sig:${'ab'.repeat(32)}`, others: [] })
  })
})

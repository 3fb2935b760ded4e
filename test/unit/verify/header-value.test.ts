import { describe, expect, it } from 'vitest'
import { joinedHeaderValue, rawHeaderValue } from '../../../src/verify/header-value.js'

describe('rawHeaderValue', () => {
  it('finds a header case-insensitively', () => {
    expect(rawHeaderValue(['Host', 'x', 'X-Slack-Signature', 'v0=1'], 'x-slack-signature')).toBe('v0=1')
  })
  it('is undefined when absent', () => {
    expect(rawHeaderValue(['Host', 'x'], 'x-slack-signature')).toBeUndefined()
  })
  it('keeps every value of a repeated header', () => {
    expect(rawHeaderValue(['x-slack-signature', 'a', 'Host', 'x', 'X-SLACK-SIGNATURE', 'b', 'x-slack-signature', 'c'], 'x-slack-signature')).toEqual([
      'a',
      'b',
      'c',
    ])
  })
})

describe('joinedHeaderValue', () => {
  it('reads a single header', () => {
    expect(joinedHeaderValue(new Headers({ 'X-Slack-Signature': 'v0=1' }), 'x-slack-signature')).toBe('v0=1')
  })
  it('is undefined when absent', () => {
    expect(joinedHeaderValue(new Headers(), 'x-slack-signature')).toBeUndefined()
  })
  it('splits a header fetch joined from repeats', () => {
    const h = new Headers()
    h.append('x-slack-request-timestamp', '1')
    h.append('x-slack-request-timestamp', '2')
    expect(joinedHeaderValue(h, 'x-slack-request-timestamp')).toEqual(['1', '2'])
  })
})

import { existsSync } from 'node:fs'
import { describe, expect, inject, it } from 'vitest'
import { VERIFY_CODES } from '../../src/verify/errors.js'
import { readObservedReasons, unobservedReasons } from '../helpers/reason-check.js'
import { observedReasons, reasonCodesIn, recordFileFor } from '../helpers/reason-recorder.js'

const codes = (...c: string[]) => new Set(c)

describe('the reason code recorder', () => {
  it('finds codes anywhere in an expected value, and in JSON text', () => {
    expect(reasonCodesIn('signature_mismatch')).toEqual(codes('signature_mismatch'))
    expect(reasonCodesIn({ error: 'stale_timestamp', detail: { reason: ['unknown_kid'] } })).toEqual(codes('stale_timestamp', 'unknown_kid'))
    expect(reasonCodesIn(new Map([['a', new Set(['malformed_body'])]]))).toEqual(codes('malformed_body'))
    expect(reasonCodesIn('{"level":40,"reason":"body_too_large","error":"not_a_code"}')).toEqual(codes('body_too_large'))
    expect(reasonCodesIn(expect.objectContaining({ reason: 'user_not_allowed' }))).toEqual(codes('user_not_allowed'))
  })

  it('finds nothing in words that are not codes, in an inverted matcher, or in a cycle twice', () => {
    expect(reasonCodesIn('signature_mismatch!')).toEqual(codes())
    expect(reasonCodesIn({ text: 'your signature_mismatch' })).toEqual(codes())
    expect(reasonCodesIn(expect.not.objectContaining({ error: 'signature_mismatch' }))).toEqual(codes())
    const cyclic: Record<string, unknown> = { error: 'expired' }
    cyclic.self = cyclic
    expect(reasonCodesIn(cyclic)).toEqual(codes('expired'))
  })

  it('observes only passing, non-negated assertions about something other than the catalogue', () => {
    expect(observedReasons('toEqual', [{ error: 'expired' }], {}, false)).toEqual(codes('expired'))
    expect(observedReasons('toEqual', [{ error: 'expired' }], {}, true)).toEqual(codes())
    expect(observedReasons('toContain', ['expired'], VERIFY_CODES, false)).toEqual(codes())
    expect(observedReasons('toHaveProperty', ['error', 'expired'], {}, false)).toEqual(codes('expired'))
    expect(observedReasons('toHaveProperty', ['expired'], {}, false)).toEqual(codes())
    expect(observedReasons('toBeDefined', ['expired'], {}, false)).toEqual(codes())
  })

  it('does not count the assertions of the catalogue tests (this file, error-codes) as observations', () => {
    // They name codes, and produce none.
    expect({ error: 'signature_mismatch' }).toEqual({ error: 'signature_mismatch' })
    expect(existsSync(recordFileFor(inject('reasonsDir'), expect.getState().testPath ?? ''))).toBe(false)
  })

  it('names each catalogue code not observed, with its folder', () => {
    const missing = unobservedReasons(readObservedReasons(inject('reasonsDir')))
    expect(missing.every((m) => /^[a-z]+(-[a-z]+)*: [a-z]+(_[a-z]+)*$/.test(m))).toBe(true)
    expect(unobservedReasons(new Set(VERIFY_CODES)).some((m) => m.startsWith('verify: '))).toBe(false)
  })
})

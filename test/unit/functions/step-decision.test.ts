import { describe, expect, it } from 'vitest'
import { createStepSession, decisionFromAnswer, decisionFromReturn } from '../../../src/functions/step-decision.js'

describe('a step handler decides', () => {
  it('the last of complete, fail and keepOpen wins', () => {
    const s = createStepSession()
    expect(s.decision()).toBeUndefined()
    s.complete({ ok: 1 })
    expect(s.decision()).toEqual({ kind: 'complete', outputs: { ok: 1 } })
    s.fail('no')
    expect(s.decision()).toEqual({ kind: 'fail', error: 'no' })
    s.keepOpen()
    expect(s.decision()).toEqual({ kind: 'keep_open' })
    s.complete()
    expect(s.decision()).toEqual({ kind: 'complete', outputs: {} })
  })

  it('refuses outputs that are not an object, and an empty message', () => {
    const s = createStepSession()
    expect(() => s.complete([] as never)).toThrow(TypeError)
    expect(() => s.fail('  ')).toThrow(TypeError)
    expect(s.decision()).toBeUndefined()
  })

  it('a returned object is the outputs; nothing completes with none; anything else is no decision', () => {
    expect(decisionFromReturn({ a: 1 })).toEqual({ kind: 'complete', outputs: { a: 1 } })
    expect(decisionFromReturn(Object.create(null))).toEqual({ kind: 'complete', outputs: {} })
    expect(decisionFromReturn(undefined)).toEqual({ kind: 'complete', outputs: {} })
    for (const v of ['done', 1, [1], null, new Date()]) expect(decisionFromReturn(v)).toBeUndefined()
  })
})

describe("a forwarded service's answer", () => {
  it.each([
    [{ outputs: { a: 1 } }, { kind: 'complete', outputs: { a: 1 } }],
    [{ error: 'no budget' }, { kind: 'fail', error: 'no budget' }],
    [{ keepOpen: true }, { kind: 'keep_open' }],
    [undefined, { kind: 'complete', outputs: {} }],
    [{}, { kind: 'complete', outputs: {} }],
  ])('%j', (answer, decision) => {
    expect(decisionFromAnswer(answer)).toEqual({ decision })
  })

  it.each([
    ['"yes"', 'the answer is not a JSON object'],
    ['{"outputs":"x"}', '"outputs" is not an object'],
    ['{"error":""}', '"error" is not a non-empty string'],
    ['{"keepOpen":1}', '"keepOpen" is not true'],
    ['{"outputs":{},"error":"x"}', 'the answer names outputs and error: give one'],
  ])('%s is a problem', (answer, problem) => {
    expect(decisionFromAnswer(JSON.parse(answer))).toEqual({ problem })
  })

  it("an interaction's answer that names nothing finishes nothing", () => {
    expect(decisionFromAnswer(undefined, true)).toEqual({})
    expect(decisionFromAnswer({ ok: true }, true)).toEqual({})
    expect(decisionFromAnswer({ outputs: { a: 1 } }, true)).toEqual({ decision: { kind: 'complete', outputs: { a: 1 } } })
  })
})

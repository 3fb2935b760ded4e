import { describe, expect, it } from 'vitest'
import { compileBodySchema } from '../../../src/workflow/body-schema.js'

describe('compileBodySchema', () => {
  it('takes x-slack-type and x-slack-hint as annotations: it compiles, and the property is checked by its type alone', () => {
    const validate = compileBodySchema({
      type: 'object',
      properties: { requester: { type: 'string', 'x-slack-type': 'slack#/types/user_id', 'x-slack-hint': 'Who asks' } },
      required: ['requester'],
    })
    expect(validate({ requester: 'U0123ABCD' })).toEqual({ ok: true })
    expect(validate({ requester: 42 })).toEqual({ ok: false, detail: 'body/requester must be string' })
  })

  it('still refuses an unknown keyword, and an x-slack-type or x-slack-hint that is not a string', () => {
    expect(() => compileBodySchema({ type: 'object', properties: { a: { type: 'string', 'x-slack-kind': 'user' } } })).toThrow(/unknown keyword/)
    expect(() => compileBodySchema({ type: 'object', properties: { a: { type: 'string', 'x-slack-type': 7 } } })).toThrow(/x-slack-type/)
    expect(() => compileBodySchema({ type: 'object', properties: { a: { type: 'string', 'x-slack-hint': 7 } } })).toThrow(/x-slack-hint/)
  })
})

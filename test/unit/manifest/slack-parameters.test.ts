import { describe, expect, it } from 'vitest'
import { ManifestError } from '../../../src/manifest/manifest-error.js'
import { slackParameters } from '../../../src/manifest/slack-parameters.js'

const params = (schema: Record<string, unknown> | undefined) => slackParameters(schema, 'approve-expense', 'step.inputs')
const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra })

/** The error's route and path, from a call that must throw. */
function refusal(schema: Record<string, unknown>): { route: string | undefined; at: string; message: string } {
  try {
    params(schema)
  } catch (err) {
    if (err instanceof ManifestError) return { route: err.route, at: err.at, message: err.message }
    throw err
  }
  throw new Error('expected a ManifestError')
}

describe('slackParameters', () => {
  it('maps each JSON type to Slack’s and keeps title, description, default, enum and the documented bounds', () => {
    const out = params(
      object(
        {
          amount: { type: 'number', title: 'Amount', description: 'In euros', minimum: 0, maximum: 10_000 },
          count: { type: 'integer', default: 1 },
          reason: { type: 'string', minLength: 3, maxLength: 200, examples: ['travel'] },
          currency: { type: 'string', enum: ['EUR', 'USD'] },
          urgent: { type: 'boolean', $comment: 'for the gateway only' },
        },
        { required: ['amount', 'reason'], additionalProperties: false, $schema: 'https://json-schema.org/draft/2020-12/schema' },
      ),
    )
    expect(out).toEqual({
      amount: { name: 'amount', is_required: true, type: 'number', title: 'Amount', description: 'In euros', minimum: 0, maximum: 10_000 },
      count: { name: 'count', is_required: false, type: 'integer', default: 1 },
      reason: { name: 'reason', is_required: true, type: 'string', minLength: 3, maxLength: 200, examples: ['travel'] },
      currency: { name: 'currency', is_required: false, type: 'string', enum: ['EUR', 'USD'] },
      urgent: { name: 'urgent', is_required: false, type: 'boolean' },
    })
  })

  it('writes x-slack-hint as hint, on a parameter and inside an object', () => {
    const out = params(
      object(
        {
          requester: { type: 'string', 'x-slack-type': 'slack#/types/user_id', title: 'User', 'x-slack-hint': 'Select a user in the workspace' },
          cost: { type: 'object', properties: { total: { type: 'number', 'x-slack-hint': 'In euros' } } },
        },
        { required: ['requester'] },
      ),
    )
    expect(out).toEqual({
      requester: { name: 'requester', is_required: true, type: 'slack#/types/user_id', title: 'User', hint: 'Select a user in the workspace' },
      cost: { name: 'cost', is_required: false, type: 'object', properties: { total: { type: 'number', hint: 'In euros' } } },
    })
  })

  it('takes x-slack-type over the JSON type, and maps arrays by their items and objects by their properties', () => {
    const out = params(
      object({
        requester: { type: 'string', title: 'Requester', 'x-slack-type': 'slack#/types/user_id' },
        at: { type: 'integer', 'x-slack-type': 'slack#/types/timestamp' },
        since: { type: 'number', 'x-slack-type': 'slack#/types/timestamp' },
        note: { 'x-slack-type': 'slack#/types/rich_text' },
        channels: { type: 'array', items: { type: 'string', 'x-slack-type': 'slack#/types/channel_id' }, maxItems: 5 },
        cost: { type: 'object', properties: { total: { type: 'number' }, centre: { type: 'string' } }, required: ['total'], additionalProperties: false },
        meta: { type: 'object' },
      }),
    )
    const optional = (name: string) => ({ name, is_required: false })
    expect(out).toEqual({
      requester: { ...optional('requester'), type: 'slack#/types/user_id', title: 'Requester' },
      at: { ...optional('at'), type: 'slack#/types/timestamp' },
      since: { ...optional('since'), type: 'slack#/types/timestamp' },
      note: { ...optional('note'), type: 'slack#/types/rich_text' },
      channels: { ...optional('channels'), type: 'array', items: { type: 'slack#/types/channel_id' }, maxItems: 5 },
      cost: { ...optional('cost'), type: 'object', properties: { total: { type: 'number' }, centre: { type: 'string' } }, required: ['total'], additionalProperties: false },
      meta: { ...optional('meta'), type: 'object' },
    })
  })

  it('is no parameters when the step declares none', () => {
    expect(params(undefined)).toEqual({})
    expect(params(object({}))).toEqual({})
  })

  it.each([
    ['a keyword Slack has no field for', object({ amount: { type: 'string', pattern: '^[0-9]+$' } }), 'step.inputs.amount.pattern'],
    ['a combinator', object({ amount: { oneOf: [{ type: 'string' }, { type: 'number' }] } }), 'step.inputs.amount.oneOf'],
    ['a list of types', object({ amount: { type: ['string', 'null'] } }), 'step.inputs.amount.type'],
    ['no type at all', object({ amount: { title: 'Amount' } }), 'step.inputs.amount'],
    ['an unknown Slack type', object({ who: { type: 'string', 'x-slack-type': 'slack#/types/person' } }), 'step.inputs.who.x-slack-type'],
    ['a Slack type whose values are of another type', object({ who: { type: 'number', 'x-slack-type': 'slack#/types/user_id' } }), 'step.inputs.who.type'],
    ['a hint that is not a string', object({ who: { type: 'string', 'x-slack-hint': ['Pick one'] } }), 'step.inputs.who.x-slack-hint'],
    ['a string bound on a Slack type', object({ who: { type: 'string', 'x-slack-type': 'slack#/types/user_id', minLength: 9 } }), 'step.inputs.who.minLength'],
    ['an array without items', object({ ids: { type: 'array' } }), 'step.inputs.ids.items'],
    ['a keyword in an array item', object({ ids: { type: 'array', items: { type: 'string', format: 'email' } } }), 'step.inputs.ids.items.format'],
    ['a nested property Slack cannot express', object({ cost: { type: 'object', properties: { total: { $ref: '#/$defs/money' } } } }), 'step.inputs.cost.total.$ref'],
    ['a schema for additionalProperties', object({ cost: { type: 'object', additionalProperties: { type: 'number' } } }), 'step.inputs.cost.additionalProperties'],
    ['a required name that is not a property', object({ amount: { type: 'number' } }, { required: ['amount', 'requester'] }), 'step.inputs.required'],
    ['a whole schema that is not an object', { type: 'array', items: { type: 'string' } }, 'step.inputs.items'],
    ['a whole schema of another type', { type: 'string' }, 'step.inputs.type'],
    ['a whole schema with a combinator', { type: 'object', properties: {}, anyOf: [] }, 'step.inputs.anyOf'],
  ])('refuses %s, naming the route and the property', (_what, schema, at) => {
    const error = refusal(schema)
    expect(error.route).toBe('approve-expense')
    expect(error.at).toBe(at)
    expect(error.message).toMatch(new RegExp(`^route approve-expense: ${at.replace(/\$/g, '\\$')}: `))
  })

  it('refuses more than 50 parameters, Slack’s limit', () => {
    const many = (n: number) => object(Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'string' }])))
    expect(Object.keys(params(many(50)))).toHaveLength(50)
    expect(refusal(many(51)).at).toBe('step.inputs.properties')
  })
})

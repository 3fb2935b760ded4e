import { ManifestError } from './manifest-error.js'

/**
 * The Slack types a property may name in `x-slack-type`, each with the JSON type of its value
 * (the one a property's own `type` must agree with, since the gateway checks inputs against
 * it). Slack documents them at https://tools.slack.dev/deno-slack-sdk/reference/slack-types.
 */
export const SLACK_TYPES: ReadonlyMap<string, JsonType> = new Map([
  ['slack#/types/user_id', 'string'],
  ['slack#/types/channel_id', 'string'],
  ['slack#/types/usergroup_id', 'string'],
  ['slack#/types/team_id', 'string'],
  ['slack#/types/date', 'string'],
  ['slack#/types/timestamp', 'integer'],
  ['slack#/types/message_ts', 'string'],
  ['slack#/types/canvas_id', 'string'],
  ['slack#/types/canvas_template_id', 'string'],
  ['slack#/types/list_id', 'string'],
  ['slack#/types/file_id', 'string'],
  ['slack#/types/blocks', 'array'],
  ['slack#/types/rich_text', 'object'],
  ['slack#/types/expanded_rich_text', 'object'],
  ['slack#/types/interactivity', 'object'],
  ['slack#/types/user_context', 'object'],
  ['slack#/types/message_context', 'object'],
])

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'

/** One parameter (or an array's item, or an object's property) as the app manifest declares it. */
export interface SlackParameter {
  readonly type: string
  readonly title?: string
  readonly description?: string
  readonly hint?: string
  readonly default?: unknown
  readonly examples?: readonly unknown[]
  readonly enum?: readonly unknown[]
  readonly minLength?: number
  readonly maxLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly items?: SlackParameter
  readonly minItems?: number
  readonly maxItems?: number
  readonly properties?: Readonly<Record<string, SlackParameter>>
  readonly required?: readonly string[]
  readonly additionalProperties?: boolean
}

/** A parameter of the function itself: its own `name`, and whether the step needs it. */
export interface SlackFunctionParameter extends SlackParameter {
  readonly name: string
  readonly is_required: boolean
}

/**
 * A function's `input_parameters` or `output_parameters`, keyed by parameter name: the form of
 * Slack's Bolt custom-step template (slack-samples/bolt-js-custom-step-template, manifest.json)
 * and of the manifest export API.
 */
export type SlackParameters = Readonly<Record<string, SlackFunctionParameter>>

/** Slack's limit on the parameters of one function side (app manifest reference). */
export const MAX_PARAMETERS = 50

// What each type keeps, as Slack's types reference lists them; any other keyword would be
// checked by the gateway and unknown to Workflow Builder, so it is refused rather than dropped.
const COMMON = ['type', 'x-slack-type', 'x-slack-hint', 'title', 'description', 'default', 'examples', '$comment'] as const
const KEYWORDS: Readonly<Record<JsonType | 'slack', readonly string[]>> = {
  string: [...COMMON, 'enum', 'minLength', 'maxLength'],
  number: [...COMMON, 'enum', 'minimum', 'maximum'],
  integer: [...COMMON, 'enum', 'minimum', 'maximum'],
  boolean: COMMON,
  array: [...COMMON, 'items', 'minItems', 'maxItems'],
  object: [...COMMON, 'properties', 'required', 'additionalProperties'],
  slack: COMMON,
}
const COPIED = ['title', 'description', 'default', 'examples', 'enum', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'additionalProperties'] as const
// Keywords of the whole inputs/outputs object that concern only the gateway's own check:
// Slack sends (and takes) the declared parameters only.
const TOP_LEVEL = ['type', 'properties', 'required', 'additionalProperties', '$schema', '$comment'] as const

/**
 * A step's inputs or outputs (a JSON Schema object: `type: object`, `properties`,
 * `required`) as Slack's `input_parameters` / `output_parameters`: one parameter per property,
 * under its name, carrying that `name` and `is_required` (whether `required` lists it). Each
 * property's JSON type becomes Slack's, unless its `x-slack-type` names a Slack type; its
 * `x-slack-hint` becomes `hint`; title, description, default, examples, enum and the bounds
 * Slack documents are kept, and an object's own properties keep the JSON Schema shape
 * (`properties`, `required`). Throws a `ManifestError` naming the route and the property for
 * anything Slack cannot express (a `pattern`, `oneOf`, `$ref`, a list of types, an unknown
 * Slack type, more than 50 parameters). An absent schema is no parameters.
 *
 * @example
 * slackParameters({ type: 'object', properties: { who: { type: 'string', 'x-slack-type': 'slack#/types/user_id' } }, required: ['who'] }, 'approve', 'step.inputs')
 * // { who: { type: 'slack#/types/user_id', name: 'who', is_required: true } }
 */
export function slackParameters(schema: Readonly<Record<string, unknown>> | undefined, route: string, at: string): SlackParameters {
  if (schema === undefined) return {}
  const fail = (where: string, reason: string): never => {
    throw new ManifestError(where, reason, route)
  }
  for (const key of Object.keys(schema)) {
    if (!(TOP_LEVEL as readonly string[]).includes(key)) fail(`${at}.${key}`, 'Slack parameters cannot express this keyword (the schema takes type: object, properties, required)')
  }
  if (schema.type !== 'object') fail(`${at}.type`, 'must be object: each property is one parameter')
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') fail(`${at}.additionalProperties`, 'must be true or false')
  const { properties, required } = objectShape(schema, at, fail)
  if (Object.keys(properties).length > MAX_PARAMETERS) fail(`${at}.properties`, `Slack takes at most ${MAX_PARAMETERS} parameters`)
  return Object.fromEntries(Object.entries(properties).map(([name, parameter]) => [name, { ...parameter, name, is_required: required.includes(name) }]))
}

type Fail = (where: string, reason: string) => never

function objectShape(schema: Readonly<Record<string, unknown>>, at: string, fail: Fail): { properties: Record<string, SlackParameter>; required: string[] } {
  const properties: Record<string, SlackParameter> = {}
  const declared = schema.properties ?? {}
  if (!isRecord(declared)) return fail(`${at}.properties`, 'must be an object of property schemas')
  for (const [name, property] of Object.entries(declared)) {
    properties[name] = parameter(property, `${at}.${name}`, fail)
  }
  const required = schema.required ?? []
  if (!Array.isArray(required) || !required.every((r): r is string => typeof r === 'string')) return fail(`${at}.required`, 'must be a list of property names')
  for (const name of required) {
    if (!Object.hasOwn(properties, name)) fail(`${at}.required`, `names ${name}, which is not among the properties`)
  }
  return { properties, required }
}

function parameter(schema: unknown, at: string, fail: Fail): SlackParameter {
  if (!isRecord(schema)) return fail(at, 'must be a schema object')
  const slackType = schema['x-slack-type']
  const jsonType = schema.type
  if (jsonType !== undefined && (typeof jsonType !== 'string' || !isJsonType(jsonType))) {
    return fail(`${at}.type`, 'must be one of string, number, integer, boolean, array, object (Slack parameters have exactly one type)')
  }
  let type: string
  let keywords: readonly string[]
  if (schema['x-slack-hint'] !== undefined && typeof schema['x-slack-hint'] !== 'string') return fail(`${at}.x-slack-hint`, 'must be a string')
  if (slackType !== undefined) {
    if (typeof slackType !== 'string' || !SLACK_TYPES.has(slackType)) return fail(`${at}.x-slack-type`, `not a Slack type this gateway knows: one of ${[...SLACK_TYPES.keys()].join(', ')}`)
    const valueType = SLACK_TYPES.get(slackType) as JsonType
    if (jsonType !== undefined && jsonType !== valueType && !(jsonType === 'number' && valueType === 'integer')) {
      fail(`${at}.type`, `${slackType} values are of type ${valueType}, not ${jsonType}`)
    }
    type = slackType
    keywords = KEYWORDS.slack
  } else {
    if (jsonType === undefined) {
      const foreign = Object.keys(schema).find((key) => !Object.values(KEYWORDS).some((list) => list.includes(key)))
      return fail(foreign === undefined ? at : `${at}.${foreign}`, foreign === undefined ? 'give a type (or an x-slack-type)' : 'Slack parameters cannot express this keyword')
    }
    type = jsonType
    keywords = KEYWORDS[jsonType as JsonType]
  }
  for (const key of Object.keys(schema)) {
    if (!keywords.includes(key)) fail(`${at}.${key}`, `Slack's ${type} parameters cannot express this keyword`)
  }
  const out: Record<string, unknown> = { type }
  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key]
  if (schema['x-slack-hint'] !== undefined) out.hint = schema['x-slack-hint']
  if (schema.items !== undefined) out.items = parameter(schema.items, `${at}.items`, fail)
  else if (type === 'array') fail(`${at}.items`, 'an array parameter needs items: Slack types every element')
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') fail(`${at}.additionalProperties`, 'must be true or false')
  if (type === 'object' && (schema.properties !== undefined || schema.required !== undefined)) {
    const { properties, required } = objectShape(schema, at, fail)
    out.properties = properties
    if (required.length > 0) out.required = required
  }
  return out as unknown as SlackParameter
}

function isJsonType(type: string): type is JsonType {
  return Object.hasOwn(KEYWORDS, type) && type !== 'slack'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

import { describe, expect, it } from 'vitest'
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../../src/slack/json-depth.js'
import { parseFormBody, parseJsonText } from '../../../src/slack/parse-body.js'

const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
const arrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`

describe('jsonDepthExceeds', () => {
  it.each([
    ['a scalar', '1', 0, false],
    ['one object', '{}', 0, true],
    ['one object at its limit', '{}', 1, false],
    ['objects and arrays count alike', '{"a":[{"b":[]}]}', 3, true],
    ['siblings do not add up', '[[1],[2],[3],{"a":1}]', 2, false],
    ['brackets inside strings do not count', '["[[[[{{{{"]', 1, false],
    ['an escaped quote does not end the string', '["\\"[[[[", 1]', 1, false],
    ['an escaped backslash before the closing quote does', '["\\\\", [[1]]]', 2, true],
  ])('%s', (_name, text, max, exceeds) => {
    expect(jsonDepthExceeds(text, max)).toBe(exceeds)
  })

  it(`allows exactly ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(jsonDepthExceeds(objects(MAX_JSON_DEPTH))).toBe(false)
    expect(jsonDepthExceeds(objects(MAX_JSON_DEPTH + 1))).toBe(true)
    expect(jsonDepthExceeds(arrays(MAX_JSON_DEPTH + 1))).toBe(true)
  })

  it('scans a million levels without a stack', () => {
    expect(jsonDepthExceeds(arrays(1_000_000))).toBe(true)
  })
})

describe('parseJsonText', () => {
  it(`parses ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} as malformed_body`, () => {
    expect(parseJsonText(objects(MAX_JSON_DEPTH))).toMatchObject({ ok: true })
    expect(parseJsonText(arrays(MAX_JSON_DEPTH + 1))).toMatchObject({ ok: false, reason: 'malformed_body' })
  })
})

describe('parseFormBody', () => {
  it.each(['__proto__', 'constructor', 'prototype', '%5F%5Fproto%5F%5F'])('refuses a field named %s', (name) => {
    expect(parseFormBody(Buffer.from(`a=1&${name}=x`))).toMatchObject({ ok: false, reason: 'malformed_body' })
  })

  it('accepts those names as values, and names that only contain them', () => {
    expect(parseFormBody(Buffer.from('a=__proto__&x__proto__=1&constructors=2'))).toMatchObject({ ok: true })
  })
})

import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { ALL_REASON_CODES, REASON_CATALOGUE } from './reason-catalogue.js'

const CODES: ReadonlySet<string> = new Set(ALL_REASON_CODES)
const CATALOGUE_LISTS: ReadonlySet<unknown> = new Set(Object.values(REASON_CATALOGUE))
// A code inside a JSON text a test expects, such as a log line: `"reason":"stale_timestamp"`.
const JSON_FIELD = /"(?:error|reason|code)":"([a-z]+(?:_[a-z]+)*)"/g

/**
 * The matchers whose expected value names what the code under test produced, and which of
 * their arguments is that value (`toHaveProperty(path, value)` names it second).
 */
export const OBSERVING_MATCHERS: Readonly<Record<string, (args: readonly unknown[]) => readonly unknown[]>> = {
  toBe: (args) => args.slice(0, 1),
  toEqual: (args) => args.slice(0, 1),
  toStrictEqual: (args) => args.slice(0, 1),
  toMatchObject: (args) => args.slice(0, 1),
  toContain: (args) => args.slice(0, 1),
  toContainEqual: (args) => args.slice(0, 1),
  toMatch: (args) => args.slice(0, 1),
  toHaveProperty: (args) => args.slice(1, 2),
  toHaveBeenCalledWith: (args) => args,
  toHaveBeenLastCalledWith: (args) => args,
}

/**
 * The reason codes named in a matcher's expected value: a string that is a code, or a code in
 * a JSON text (`"error":"…"`), anywhere in nested objects, arrays, Maps, Sets and asymmetric
 * matchers (`expect.objectContaining({ reason })`), except under an inverted one
 * (`expect.not.objectContaining`).
 */
export function reasonCodesIn(expected: unknown, found = new Set<string>(), seen = new WeakSet<object>(), depth = 0): Set<string> {
  if (typeof expected === 'string') {
    if (CODES.has(expected)) found.add(expected)
    else if (expected.includes('":"')) for (const [, code] of expected.matchAll(JSON_FIELD)) if (CODES.has(code as string)) found.add(code as string)
    return found
  }
  if (typeof expected !== 'object' || expected === null || depth > 12 || seen.has(expected)) return found
  seen.add(expected)
  if ((expected as { inverse?: unknown }).inverse === true) return found
  const values = expected instanceof Map || expected instanceof Set ? [...expected.values()] : Array.isArray(expected) ? expected : Object.values(expected)
  for (const value of values) reasonCodesIn(value, found, seen, depth + 1)
  return found
}

/**
 * What one passing assertion tells about reason codes: those its expected value names, when
 * the assertion was not negated and its subject is not a catalogue list itself (asserting
 * that `VERIFY_CODES` contains a code says nothing about what the gateway does).
 */
export function observedReasons(matcher: string, args: readonly unknown[], subject: unknown, negated: boolean): Set<string> {
  const pick = OBSERVING_MATCHERS[matcher]
  if (pick === undefined || negated || CATALOGUE_LISTS.has(subject)) return new Set()
  return reasonCodesIn(pick(args))
}

/** Where the codes observed by one test file are recorded, in the run's directory. */
export function recordFileFor(dir: string, testPath: string): string {
  return join(dir, `${createHash('sha256').update(testPath).digest('hex').slice(0, 16)}.codes`)
}

import safeRegex from 'safe-regex2'
import type { InboundRequest } from '../workflow/workflow-call.js'
import { idsOf, matchKeys, messageOf, type MatchKind, type PatternKind } from './match-keys.js'

/** A condition on one id: equal to a string, or matched by a RegExp. */
export type IdCondition = string | RegExp

/**
 * A condition on a message event: its text contains a string (as Bolt's `app.message('hi')`)
 * or matches a RegExp, and/or its `subtype` is the one given. No condition: every message.
 */
export interface MessageCondition {
  readonly text?: IdCondition
  readonly subtype?: string
}

interface Tested<T> {
  readonly kind: PatternKind
  readonly test: (request: InboundRequest) => boolean
  /** Whether an id of this kind alone would satisfy it (see `Matcher.handles`). */
  readonly accepts: (id: string) => boolean
  readonly value: T
}

/**
 * A table from requests to values (routes, handlers). Exact ids are Map lookups, so their cost
 * does not grow with the table; patterns are tried after every exact id failed, in the order
 * they were added, and the first that matches wins. A message event is the exception: message
 * conditions are tried first (in order), then an exact `event: message` entry, so a catch-all
 * message route does not hide the specific ones.
 */
export class Matcher<T> {
  readonly #exact = new Map<MatchKind, Map<string, T>>()
  readonly #tested: Array<Tested<T>> = []

  /** Adds an exact id; false if that (kind, id) is taken (the first one stays). */
  addExact(kind: MatchKind, id: string, value: T): boolean {
    let ids = this.#exact.get(kind)
    if (ids === undefined) this.#exact.set(kind, (ids = new Map()))
    if (ids.has(id)) return false
    ids.set(id, value)
    return true
  }

  /** Adds a pattern on one id of `kind` (a RegExp, checked by `checkPattern`). */
  addPattern(kind: PatternKind, pattern: RegExp, value: T): void {
    const re = checkPattern(pattern)
    const accepts = (id: string) => re.test(id)
    this.#tested.push({ kind, test: (request) => idsOf(kind, request).some(accepts), accepts, value })
  }

  /** Adds a condition on a message event. */
  addMessage(condition: MessageCondition, value: T): void {
    const { text, subtype } = condition
    const textTest = text === undefined ? () => true : typeof text === 'string' ? (t: string) => t.includes(text) : ((re) => (t: string) => re.test(t))(checkPattern(text))
    this.#tested.push({
      kind: 'message',
      test(request) {
        const message = messageOf(request)
        if (message === undefined) return false
        if (subtype !== undefined && message.subtype !== subtype) return false
        return textTest(typeof message.text === 'string' ? message.text : '')
      },
      accepts: (id) => subtype === undefined && textTest(id),
      value,
    })
  }

  /** Adds any other condition on a request, tried among the patterns of `kind`. */
  addTest(kind: PatternKind, test: (request: InboundRequest) => boolean, accepts: (id: string) => boolean, value: T): void {
    this.#tested.push({ kind, test, accepts, value })
  }

  /** The value for `request`: an exact id first, else the first pattern that matches. */
  find(request: InboundRequest): T | undefined {
    const message = messageOf(request) !== undefined
    if (message) {
      const found = this.#firstTested(request)
      if (found !== undefined) return found
    }
    for (const [kind, id] of matchKeys(request)) {
      const found = this.#exact.get(kind)?.get(id)
      if (found !== undefined) return found
    }
    return message ? undefined : this.#firstTested(request)
  }

  /** What a request of (kind, id) would find here: exactly, or by a pattern of that kind. */
  valueFor(kind: MatchKind, id: string): T | undefined {
    return this.#exact.get(kind)?.get(id) ?? this.#tested.find((t) => t.kind === kind && t.accepts(id))?.value
  }

  /** Whether anything of `kind` was added, exact or pattern. */
  hasKind(kind: MatchKind): boolean {
    return (this.#exact.get(kind)?.size ?? 0) > 0 || this.#tested.some((t) => t.kind === kind)
  }

  /** Every exact (kind, id), and every pattern's kind and source. */
  entries(): ReadonlyArray<readonly [MatchKind, string]> {
    return [...[...this.#exact].flatMap(([kind, ids]) => [...ids.keys()].map((id) => [kind, id] as const)), ...this.#tested.map((t) => [t.kind, '(pattern)'] as const)]
  }

  #firstTested(request: InboundRequest): T | undefined {
    for (const t of this.#tested) if (t.test(request)) return t.value
    return undefined
  }
}

/**
 * A pattern as the matcher runs it: without the `g` and `y` flags (they make `test` remember
 * where it stopped, so the same id would match every other time), and refused if it may take
 * exponential time. A message's text is written by anyone in the channel: a pattern like
 * `(a+)+$` would let one message stall the gateway.
 */
export function checkPattern(pattern: RegExp): RegExp {
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  if (!safeRegex(re)) throw new UnsafePatternError(`the pattern /${pattern.source}/ may take exponential time on some inputs (nested quantifiers): rewrite it`)
  return re
}

export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError'
}

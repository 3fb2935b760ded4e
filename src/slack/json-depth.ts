/**
 * The deepest nesting of objects and arrays a JSON body may have. Slack's deepest payloads
 * (Block Kit rich text inside a view's state) stay under 20 levels, webhook sources' under
 * 16; 64 leaves room and keeps every later recursive walk (schema checks, the audit
 * record's canonical form, the queue's serialisation) far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d

/**
 * Whether JSON text nests objects and arrays deeper than `max`. One pass over the
 * characters with a counter, no recursion and no parse: it runs before `JSON.parse`, so a
 * body nested 100,000 levels costs a scan and never a stack. Brackets inside strings do not
 * count. Text that is not JSON is left for the parser to refuse.
 *
 * @example
 * jsonDepthExceeds('{"a":[1]}', 1) // true: two levels
 */
export function jsonDepthExceeds(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

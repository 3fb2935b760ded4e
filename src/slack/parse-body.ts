import sjson from 'secure-json-parse'
import type { DecodeCode } from './errors.js'
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js'

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: DecodeCode; readonly detail: string }

// fatal: invalid UTF-8 is an error, not silently replaced by U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

function decodeUtf8(raw: Uint8Array): string | undefined {
  try {
    return utf8.decode(raw)
  } catch {
    return undefined
  }
}

/**
 * Parses a JSON body as strict UTF-8. Keys such as `__proto__` are refused rather than
 * applied, so no payload can reach an object's prototype; nesting deeper than
 * `MAX_JSON_DEPTH` is refused before parsing, so no later walk of the value overflows.
 */
export function parseJsonBody(raw: Uint8Array): ParseResult<unknown> {
  const text = decodeUtf8(raw)
  if (text === undefined) return malformed('body is not valid UTF-8')
  return parseJsonText(text)
}

export function parseJsonText(text: string): ParseResult<unknown> {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return malformed(`JSON is nested deeper than ${MAX_JSON_DEPTH} levels`)
  try {
    return { ok: true, value: sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) }
  } catch {
    return malformed('body is not valid JSON')
  }
}

/** A form body as a prototype-less record of strings. */
export type FormFields = Readonly<Record<string, string>>

// Names that reach an object's prototype when a consumer copies the fields with
// `Object.assign` or `obj[name] = value`; no Slack or webhook form uses them.
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Parses an `application/x-www-form-urlencoded` body. A field sent twice is refused:
 * which of two values a consumer would pick is exactly what parameter pollution exploits.
 * So is a field named `__proto__`, `constructor` or `prototype`.
 */
export function parseFormBody(raw: Uint8Array): ParseResult<FormFields> {
  const text = decodeUtf8(raw)
  if (text === undefined) return malformed('body is not valid UTF-8')
  const fields: Record<string, string> = Object.create(null)
  for (const [key, value] of new URLSearchParams(text)) {
    if (PROTOTYPE_KEYS.has(key)) return malformed(`form field "${key}" is refused`)
    if (Object.hasOwn(fields, key)) return malformed(`form field "${truncate(key)}" is repeated`)
    fields[key] = value
  }
  return { ok: true, value: fields }
}

function malformed(detail: string): ParseResult<never> {
  return { ok: false, reason: 'malformed_body', detail }
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}

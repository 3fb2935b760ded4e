/** What a secret-named field's value is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Field names that can carry a secret, in any case, in camelCase or snake_case: a signature,
 * an Authorization header or cookie, anything named like a secret, token, password or
 * credential, and any name ending in `key` after `_`, `-`, `api`, `private` or `signing`
 * (`SLACK_SIGNING_KEY`, `apiKey`, `x-api-key`). Over-redacting a harmless field is the safe
 * failure.
 */
const SECRET_NAME = /(?:secrets?|tokens?|signatures?|authorization|cookie|password|passphrase|credentials?|(?:[_-]|api|private|signing)key)$/i

/** Nesting deeper than this is not walked but replaced: a log line is no place for it. */
const MAX_DEPTH = 8
const TOO_DEEP = '[too deep]'

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/**
 * Returns `value` with every secret-named field, at any depth, replaced by `[redacted]`.
 * Copy on write: an object without such a field is returned as is, so the common log line
 * costs a walk over its keys and no allocation. Plain objects, arrays and errors are walked
 * (an error's copy keeps its prototype, message and stack); binary data and dates are left.
 */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0) as T
}

function walk(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof ArrayBuffer) return value
  if (depth >= MAX_DEPTH) return TOO_DEEP
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const next = walk(item, depth + 1)
      if (next !== item) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  const record = value as Record<string, unknown>
  let copy: Record<string, unknown> | undefined
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue
    const field = record[key]
    const next = SECRET_NAME.test(key) ? (field === undefined ? field : REDACTED) : walk(field, depth + 1)
    if (next !== field) {
      copy ??= copyOf(record)
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true })
    }
  }
  return copy ?? value
}

/** A shallow copy with the same prototype and property attributes. */
function copyOf(record: Record<string, unknown>): Record<string, unknown> {
  const descriptors = Object.getOwnPropertyDescriptors(record)
  // Node 24 (V8 13) gives an error an own `stack` accessor that reads the original
  // object's internal slot: on a copy it answers undefined. Copy the text instead.
  if (descriptors.stack?.get !== undefined) descriptors.stack = { value: record.stack, writable: true, enumerable: false, configurable: true }
  return Object.create(Object.getPrototypeOf(record), descriptors) as Record<string, unknown>
}

/**
 * Credentials as they appear inside free text (an error message, a stack, a service's error
 * string): Slack tokens, bearer credentials, JWTs, the password of a URL, Standard Webhooks
 * secrets (`whsec_…`), and any run of 32 or more hex digits (a Slack signing secret is 32;
 * hex keys and HMACs are longer). Field names cannot catch these, so text that may carry
 * them is scrubbed as well; a digest redacted with them is the safe failure.
 */
const SECRET_TEXT =
  /xox[a-z]-[A-Za-z0-9-]+|xwfp-[A-Za-z0-9-]+|\bBearer\s+[^\s"']+|\beyJ[\w-]+\.[\w-]+\.[\w-]*|(?<=:\/\/[^\s/:@]*:)[^\s/@]+(?=@)|\bwhsec_[A-Za-z0-9+/=_-]+|(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])/gi

/** `text` with every credential-shaped part replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_TEXT, REDACTED)
}

/** A serialised error (pino's shape) with secret-named fields redacted and its text scrubbed. */
export function redactError<T extends { message?: unknown; stack?: unknown }>(err: T): T {
  const out = redactSecrets(err) as T & Record<string, unknown>
  const copy: Record<string, unknown> = { ...out }
  if (typeof copy.message === 'string') copy.message = scrubSecrets(copy.message)
  if (typeof copy.stack === 'string') copy.stack = scrubSecrets(copy.stack)
  return copy as T
}

/** Shorter known values are not looked for: too likely to match ordinary text. */
const MIN_KNOWN_SECRET_LENGTH = 8

/**
 * A scrubber that also replaces each of `secrets` wherever it appears verbatim: the gateway's
 * own signing and webhook secrets, which have no recognisable shape. Credential-shaped text
 * is scrubbed as by `scrubSecrets`.
 *
 * @example
 * const scrub = knownSecretScrubber([signingSecret])
 * scrub(`handler echoed ${signingSecret}`) // 'handler echoed [redacted]'
 */
export function knownSecretScrubber(secrets: Iterable<string>): (text: string) => string {
  // Longest first, so that a secret containing another is replaced whole.
  const known = [...new Set(secrets)].filter((s) => s.length >= MIN_KNOWN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    return scrubSecrets(out)
  }
}

/** The hash functions a webhook source may use; sha1 only with an explicit `insecure: true`. */
export type HookAlgorithm = 'sha256' | 'sha512' | 'sha1'

/** A signature header, parsed: the candidate digests, and a timestamp when the header carries one. */
export type ParsedSignature = { readonly ok: true; readonly digests: readonly Buffer[]; readonly timestamp?: string } | { readonly ok: false }

/**
 * How one kind of webhook is signed: which headers carry what, how the signature header is
 * written, and which bytes the HMAC covers. Presets describe GitHub, Stripe, Standard
 * Webhooks and Slack; `genericScheme` builds one from config.
 */
export interface HookScheme {
  readonly preset: string
  readonly algorithm: HookAlgorithm
  /** Lowercase header names. */
  readonly signatureHeader: string
  readonly timestampHeader?: string
  readonly idHeader?: string
  /**
   * Headers the sender sends that its signature does not cover (lowercase): passed to the
   * handler as `unsignedHeaders`, never used to dedupe, route or decide.
   */
  readonly unsignedHeaders?: readonly string[]
  /** The id is part of what is signed (Standard Webhooks): a request without one cannot verify. */
  readonly idRequired: boolean
  /** The scheme carries a timestamp (in a header or in the signature header); it is then required and windowed. */
  readonly timestamped: boolean
  readonly defaultToleranceSeconds: number
  /**
   * How long a delivery is remembered by default: past the sender's documented retry (or
   * redelivery) horizon, so that a retry of work that ran is a duplicate, not a second run.
   */
  readonly defaultDedupeSeconds: number
  parse(value: string): ParsedSignature
  /** The signed content, in order: strings are UTF-8, the body is its raw bytes. */
  signed(parts: { readonly body: Uint8Array; readonly timestamp?: string; readonly id?: string }): ReadonlyArray<string | Uint8Array>
  /** How a configured secret becomes key bytes. */
  keyBytes(secret: string): Buffer
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const DAY = 86_400
const utf8 = (secret: string) => Buffer.from(secret, 'utf8')

/** How a digest is written in a header; each has exactly one spelling per digest. */
export type DigestEncoding = 'hex' | 'hex-upper' | 'base64'

/**
 * Reads a digest written in its encoding's only canonical spelling: lowercase (or, for
 * `hex-upper`, uppercase) hex, or padded standard base64 whose unused trailing bits are zero.
 * Anything that does not re-encode to the same text is refused, so that one signature cannot
 * be spelled several ways: a re-spelled header must not look like a new delivery.
 */
export function canonicalDigest(text: string, encoding: DigestEncoding, bytes: number): Buffer | undefined {
  if (text.length === 0 || text.length > 2 * bytes + 4) return undefined
  const digest = Buffer.from(text, encoding === 'base64' ? 'base64' : 'hex')
  if (digest.length !== bytes) return undefined
  const again = encoding === 'hex-upper' ? digest.toString('hex').toUpperCase() : digest.toString(encoding)
  return again === text ? digest : undefined
}

const hex32 = (text: string) => canonicalDigest(text, 'hex', 32)

/** One digest after a fixed prefix, or a malformed signature. */
function prefixed(prefix: string, read: (text: string) => Buffer | undefined): (value: string) => ParsedSignature {
  return (value) => {
    const digest = value.startsWith(prefix) ? read(value.slice(prefix.length)) : undefined
    return digest === undefined ? { ok: false } : { ok: true, digests: [digest] }
  }
}

/** Slack's v0: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`. */
export const slackScheme: HookScheme = {
  preset: 'slack',
  algorithm: 'sha256',
  signatureHeader: 'x-slack-signature',
  timestampHeader: 'x-slack-request-timestamp',
  idRequired: false,
  timestamped: true,
  defaultToleranceSeconds: 300,
  // Slack retries an event three times, the last about five minutes after the first try.
  defaultDedupeSeconds: 3600,
  parse: prefixed('v0=', hex32),
  signed: ({ body, timestamp }) => [`v0:${timestamp}:`, body],
  keyBytes: utf8,
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, and nothing else: GitHub signs
 * no timestamp, and neither `X-GitHub-Delivery` nor `X-GitHub-Event`. Those two are passed
 * on as unsigned headers; a delivery is known by the digest of its body.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export const githubScheme: HookScheme = {
  preset: 'github',
  algorithm: 'sha256',
  signatureHeader: 'x-hub-signature-256',
  unsignedHeaders: ['x-github-event', 'x-github-delivery'],
  idRequired: false,
  timestamped: false,
  defaultToleranceSeconds: 300,
  // No automatic retries, but a delivery can be redelivered by hand for 3 days (7 on GHES).
  defaultDedupeSeconds: 8 * DAY,
  parse: prefixed('sha256=', hex32),
  signed: ({ body }) => [body],
  keyBytes: utf8,
}

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` (other schemes such as v0 are
 * ignored), over `<t>.<body>`; several v1 values while Stripe rolls a secret.
 * https://docs.stripe.com/webhooks#verify-manually
 */
export const stripeScheme: HookScheme = {
  preset: 'stripe',
  algorithm: 'sha256',
  signatureHeader: 'stripe-signature',
  idRequired: false,
  timestamped: true,
  defaultToleranceSeconds: 300,
  // Live mode retries for up to three days. https://docs.stripe.com/webhooks#automatic-retries
  defaultDedupeSeconds: 4 * DAY,
  parse(value) {
    let timestamp: string | undefined
    const digests: Buffer[] = []
    for (const item of value.split(',')) {
      const eq = item.indexOf('=')
      if (eq <= 0) return { ok: false }
      // As Stripe writes it: no spaces (its own libraries do not trim either).
      const key = item.slice(0, eq)
      const v = item.slice(eq + 1)
      if (key === 't') {
        if (timestamp !== undefined) return { ok: false }
        timestamp = v
      } else if (key === 'v1') {
        const digest = hex32(v)
        if (digest === undefined) return { ok: false }
        digests.push(digest)
      }
    }
    if (timestamp === undefined || digests.length === 0 || digests.length > 10) return { ok: false }
    return { ok: true, digests, timestamp }
  },
  signed: ({ body, timestamp }) => [`${timestamp}.`, body],
  keyBytes: utf8,
}

/**
 * Standard Webhooks: `webhook-id`, `webhook-timestamp`, and `webhook-signature: v1,<base64>
 * [v1,<base64> …]` (space separated; other versions ignored) over `<id>.<timestamp>.<body>`,
 * keyed with the base64 bytes of a `whsec_…` secret. https://www.standardwebhooks.com/
 */
export const standardWebhooksScheme: HookScheme = {
  preset: 'standard-webhooks',
  algorithm: 'sha256',
  signatureHeader: 'webhook-signature',
  timestampHeader: 'webhook-timestamp',
  idHeader: 'webhook-id',
  idRequired: true,
  timestamped: true,
  defaultToleranceSeconds: 300,
  // Svix's schedule ends about 28 hours after the first attempt; other senders run longer.
  defaultDedupeSeconds: 3 * DAY,
  parse(value) {
    const digests: Buffer[] = []
    for (const part of value.split(' ')) {
      if (part === '') continue
      const comma = part.indexOf(',')
      if (comma <= 0) return { ok: false }
      if (part.slice(0, comma) !== 'v1') continue
      const digest = canonicalDigest(part.slice(comma + 1), 'base64', 32)
      if (digest === undefined) return { ok: false }
      digests.push(digest)
    }
    return digests.length === 0 || digests.length > 10 ? { ok: false } : { ok: true, digests }
  },
  signed: ({ body, timestamp, id }) => [`${id}.${timestamp}.`, body],
  keyBytes(secret) {
    const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret
    if (!BASE64.test(b64)) throw new Error('a Standard Webhooks secret is whsec_ followed by base64')
    return Buffer.from(b64, 'base64')
  },
}

export const PRESETS = { slack: slackScheme, github: githubScheme, stripe: stripeScheme, 'standard-webhooks': standardWebhooksScheme } as const
export type HookPreset = keyof typeof PRESETS

export interface GenericSchemeOptions {
  readonly header: string
  /** Text before the digest in the header, such as `sha256=`. */
  readonly prefix: string
  readonly algorithm: HookAlgorithm
  /** `hex` is lowercase; `base64` is padded standard base64: only the canonical spelling verifies. */
  readonly encoding: DigestEncoding
  /** What is signed: `{body}` exactly once, with `{timestamp}` and `{id}` where the sender puts them. */
  readonly basestring: string
  readonly timestampHeader?: string
  readonly idHeader?: string
}

const DIGEST_BYTES: Record<HookAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 }

/** A scheme from config: any header, prefix, algorithm, encoding and basestring template. */
export function genericScheme(o: GenericSchemeOptions): HookScheme {
  // A header outside the signed content could be changed at will: it must not be read as a
  // timestamp to window or an id to dedupe on.
  if (o.timestampHeader !== undefined && !o.basestring.includes('{timestamp}')) throw new Error('timestampHeader is not signed: put {timestamp} in the basestring')
  if (o.idHeader !== undefined && !o.basestring.includes('{id}')) throw new Error('idHeader is not signed: put {id} in the basestring')
  const [before, after] = o.basestring.split('{body}') as [string, string]
  const bytes = DIGEST_BYTES[o.algorithm]
  // Replacer functions: a header value is inserted as is, never read as a `$&` pattern.
  const fill = (text: string, p: { timestamp?: string; id?: string }) =>
    text.replaceAll('{timestamp}', () => p.timestamp ?? '').replaceAll('{id}', () => p.id ?? '')
  return {
    preset: 'generic',
    algorithm: o.algorithm,
    signatureHeader: o.header.toLowerCase(),
    ...(o.timestampHeader !== undefined && { timestampHeader: o.timestampHeader.toLowerCase() }),
    ...(o.idHeader !== undefined && { idHeader: o.idHeader.toLowerCase() }),
    idRequired: o.basestring.includes('{id}'),
    timestamped: o.timestampHeader !== undefined,
    defaultToleranceSeconds: 300,
  defaultDedupeSeconds: 3 * DAY,
    parse: prefixed(o.prefix, (text) => canonicalDigest(text, o.encoding, bytes)),
    signed: ({ body, timestamp, id }) => [fill(before, { timestamp, id }), body, fill(after, { timestamp, id })],
    keyBytes: utf8,
  }
}

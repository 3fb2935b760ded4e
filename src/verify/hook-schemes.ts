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
  /** The id is part of what is signed (Standard Webhooks): a request without one cannot verify. */
  readonly idRequired: boolean
  /** The scheme carries a timestamp (in a header or in the signature header); it is then required and windowed. */
  readonly timestamped: boolean
  readonly defaultToleranceSeconds: number
  parse(value: string): ParsedSignature
  /** The signed content, in order: strings are UTF-8, the body is its raw bytes. */
  signed(parts: { readonly body: Uint8Array; readonly timestamp?: string; readonly id?: string }): ReadonlyArray<string | Uint8Array>
  /** How a configured secret becomes key bytes. */
  keyBytes(secret: string): Buffer
}

const HEX64 = /^[0-9a-f]{64}$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const utf8 = (secret: string) => Buffer.from(secret, 'utf8')

/** Slack's v0: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`. */
export const slackScheme: HookScheme = {
  preset: 'slack',
  algorithm: 'sha256',
  signatureHeader: 'x-slack-signature',
  timestampHeader: 'x-slack-request-timestamp',
  idRequired: false,
  timestamped: true,
  defaultToleranceSeconds: 300,
  parse: (value) => (value.startsWith('v0=') && HEX64.test(value.slice(3)) ? { ok: true, digests: [Buffer.from(value.slice(3), 'hex')] } : { ok: false }),
  signed: ({ body, timestamp }) => [`v0:${timestamp}:`, body],
  keyBytes: utf8,
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body; `X-GitHub-Delivery` is the
 * delivery's id. GitHub signs no timestamp: exact replays are caught by the signature's
 * nonce key while it is remembered, and by the delivery id.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export const githubScheme: HookScheme = {
  preset: 'github',
  algorithm: 'sha256',
  signatureHeader: 'x-hub-signature-256',
  idHeader: 'x-github-delivery',
  idRequired: false,
  timestamped: false,
  defaultToleranceSeconds: 300,
  parse: (value) => (value.startsWith('sha256=') && HEX64.test(value.slice(7)) ? { ok: true, digests: [Buffer.from(value.slice(7), 'hex')] } : { ok: false }),
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
  parse(value) {
    let timestamp: string | undefined
    const digests: Buffer[] = []
    for (const item of value.split(',')) {
      const eq = item.indexOf('=')
      if (eq <= 0) return { ok: false }
      const key = item.slice(0, eq).trim()
      const v = item.slice(eq + 1).trim()
      if (key === 't') {
        if (timestamp !== undefined) return { ok: false }
        timestamp = v
      } else if (key === 'v1') {
        if (!HEX64.test(v)) return { ok: false }
        digests.push(Buffer.from(v, 'hex'))
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
  parse(value) {
    const digests: Buffer[] = []
    for (const part of value.split(' ')) {
      if (part === '') continue
      const comma = part.indexOf(',')
      if (comma <= 0) return { ok: false }
      if (part.slice(0, comma) !== 'v1') continue
      const b64 = part.slice(comma + 1)
      if (!BASE64.test(b64)) return { ok: false }
      digests.push(Buffer.from(b64, 'base64'))
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
  readonly encoding: 'hex' | 'base64'
  /** What is signed: `{body}` exactly once, with `{timestamp}` and `{id}` where the sender puts them. */
  readonly basestring: string
  readonly timestampHeader?: string
  readonly idHeader?: string
}

const DIGEST_BYTES: Record<HookAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 }

/** A scheme from config: any header, prefix, algorithm, encoding and basestring template. */
export function genericScheme(o: GenericSchemeOptions): HookScheme {
  const [before, after] = o.basestring.split('{body}') as [string, string]
  const bytes = DIGEST_BYTES[o.algorithm]
  // Replacer functions: a header value is inserted as is, never read as a `$&` pattern.
  const fill = (text: string, p: { timestamp?: string; id?: string }) =>
    text.replaceAll('{timestamp}', () => p.timestamp ?? '').replaceAll('{id}', () => p.id ?? '')
  const digestText = o.encoding === 'hex' ? new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`) : BASE64
  return {
    preset: 'generic',
    algorithm: o.algorithm,
    signatureHeader: o.header.toLowerCase(),
    ...(o.timestampHeader !== undefined && { timestampHeader: o.timestampHeader.toLowerCase() }),
    ...(o.idHeader !== undefined && { idHeader: o.idHeader.toLowerCase() }),
    idRequired: o.basestring.includes('{id}'),
    timestamped: o.timestampHeader !== undefined,
    defaultToleranceSeconds: 300,
    parse(value) {
      if (!value.startsWith(o.prefix)) return { ok: false }
      const text = value.slice(o.prefix.length)
      if (!digestText.test(text)) return { ok: false }
      const digest = Buffer.from(text, o.encoding)
      return digest.length === bytes ? { ok: true, digests: [digest] } : { ok: false }
    },
    signed: ({ body, timestamp, id }) => [fill(before, { timestamp, id }), body, fill(after, { timestamp, id })],
    keyBytes: utf8,
  }
}

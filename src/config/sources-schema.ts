import { z } from 'zod'
import { secretRefObject } from './secret-ref-schema.js'

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name')

/** A webhook source at `POST /hooks/<name>`: a preset, or generic settings. */
export const sourceSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)'),
    preset: z.enum(['slack', 'github', 'stripe', 'standard-webhooks', 'generic']),
    /** Several for rotation: the first that verifies wins; each stops at its `notAfter`. */
    secrets: z
      .array(secretRefObject({ notAfter: z.iso.datetime({ offset: true }).optional() }))
      .min(1)
      .max(10),
    /** The accepted clock distance, both ways, for schemes that sign a timestamp. */
    toleranceSeconds: z.number().int().min(1).max(3600).default(300),
    /**
     * How long a delivery is remembered once accepted: a resend within it is a duplicate.
     * Default: past the sender's retry horizon (see DEDUPE_DEFAULTS), and never less than
     * twice `toleranceSeconds`.
     */
    dedupeSeconds: z.number().int().min(2).max(30 * 86_400).optional(),
    /** Generic only: where the signature is and how it is written. */
    signature: z
      .strictObject({
        header: headerName,
        prefix: z.string().max(32).default(''),
        algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
        encoding: z.enum(['hex', 'hex-upper', 'base64']).default('hex'),
      })
      .optional(),
    /** Generic only: the signed content, `{body}` once, with `{timestamp}` and `{id}` where the sender puts them. */
    basestring: z.string().max(256).optional(),
    /** Generic only: the header carrying a unix timestamp, signed as `{timestamp}` (then required and windowed). */
    timestampHeader: headerName.optional(),
    /** Generic only: the header carrying the delivery's id, signed as `{id}` (the dedupe key). */
    idHeader: headerName.optional(),
    /** Generic only: allows sha1, which nobody should still sign with. */
    insecure: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    // A replay must be remembered for as long as its timestamp still passes the window, both ways.
    if (s.dedupeSeconds !== undefined && s.dedupeSeconds < 2 * s.toleranceSeconds) {
      issue('dedupeSeconds', `must be at least twice toleranceSeconds (${2 * s.toleranceSeconds})`)
    }
    const generic = s.preset === 'generic'
    if (!generic) {
      for (const key of ['signature', 'basestring', 'timestampHeader', 'idHeader'] as const) {
        if (s[key] !== undefined) issue(key, `only a generic source takes ${key}; the ${s.preset} preset fixes it`)
      }
      if (s.insecure) issue('insecure', 'only a generic source takes insecure')
      return
    }
    if (s.signature === undefined) issue('signature', 'a generic source needs signature: { header, prefix, algorithm, encoding }')
    if (s.signature?.algorithm === 'sha1' && !s.insecure) issue('signature', 'sha1 is broken for new signatures: use sha256, or say insecure: true')
    const template = s.basestring ?? '{body}'
    if (template.split('{body}').length !== 2) issue('basestring', 'must contain {body} exactly once')
    if (template.includes('{timestamp}') && s.timestampHeader === undefined) issue('basestring', '{timestamp} needs timestampHeader')
    if (template.includes('{id}') && s.idHeader === undefined) issue('basestring', '{id} needs idHeader')
    // An unsigned header could be changed at will: never a timestamp to window or an id to dedupe on.
    if (s.timestampHeader !== undefined && !template.includes('{timestamp}')) issue('timestampHeader', 'is not signed: put {timestamp} in the basestring, or remove it')
    if (s.idHeader !== undefined && !template.includes('{id}')) issue('idHeader', 'is not signed: put {id} in the basestring, or remove it')
    if (/\{(?!body\}|timestamp\}|id\})/.test(template)) issue('basestring', 'only {body}, {timestamp} and {id} can be filled in')
  })

export type SourceConfig = z.output<typeof sourceSchema>

import { z } from 'zod'
import { DEFAULT_BODY_LIMIT } from '../verify/verifier-options.js'
import { DEFAULT_TOLERANCE_SECONDS } from '../verify/slack-signature.js'

/** A secret is always a reference, never a literal: `env:NAME` or `file:PATH`. */
export const secretRefSchema = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'must be a secret reference (env:NAME or file:PATH), not a literal secret')

const signingSecretSchema = z.strictObject({
  ref: secretRefSchema,
  /** Rotation: the secret stops verifying after this instant (ISO 8601 with offset). */
  notAfter: z.iso.datetime({ offset: true }).optional(),
})

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The config file's shape; every object is strict, so a misspelt key is an error, not ignored. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: z.number().int().min(0).max(65_535).default(3000),
      bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_BODY_LIMIT),
      /** Whole-request deadline; bounds slow-body (slowloris) clients. */
      requestTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./data'),
  slack: z
    .strictObject({
      signingSecrets: z.array(signingSecretSchema).min(1).max(10).optional(),
      timestampToleranceSeconds: z.number().int().min(1).max(3600).default(DEFAULT_TOLERANCE_SECONDS),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
})

export type ConfigInput = z.input<typeof configSchema>
export type ConfigFile = z.output<typeof configSchema>

import { z } from 'zod'

/** A secret is always a reference, never a literal: `env:NAME` or `file:PATH`. */
export const secretRefSchema = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'must be a secret reference (env:NAME or file:PATH), not a literal secret')

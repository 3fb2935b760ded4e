import { z } from 'zod'

const FIX = 'write { ref: env:NAME } and set NAME in the environment (or { ref: file:PATH } for a file)'

/** A secret is always a reference, never a literal: `env:NAME` or `file:PATH`. */
export const secretRefSchema = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, `must be a secret reference (env:NAME or file:PATH), not a literal secret: ${FIX}`)

/**
 * An object that holds a secret reference (`{ ref, ... }`). A bare string in its place is a
 * secret pasted into the file: say how to write it instead (the value itself is never quoted).
 */
export function secretRefObject<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(
    { ref: secretRefSchema, ...shape },
    { error: (issue) => (issue.code === 'invalid_type' ? `a secret is never written in the config file: ${FIX}` : undefined) },
  )
}

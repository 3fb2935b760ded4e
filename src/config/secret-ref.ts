import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export type SecretResolution = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string }

/**
 * Resolves `env:NAME` or `file:PATH` (relative paths from `baseDir`). Failure messages
 * name the variable or file, never a value. A file's single trailing newline is dropped;
 * any other surrounding whitespace is an error rather than a silently different secret.
 */
export function resolveSecretRef(ref: string, env: NodeJS.ProcessEnv, baseDir: string): SecretResolution {
  let value: string
  if (ref.startsWith('env:')) {
    const name = ref.slice(4)
    const v = env[name]
    if (v === undefined) return { ok: false, message: `environment variable ${name} is not set` }
    value = v
  } else if (ref.startsWith('file:')) {
    const path = resolve(baseDir, ref.slice(5))
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '')
    } catch (err) {
      return { ok: false, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }
    }
  } else {
    return { ok: false, message: 'must be a secret reference (env:NAME or file:PATH)' }
  }
  if (value.trim() === '') return { ok: false, message: `${describe(ref)} is empty` }
  if (value.trim() !== value) return { ok: false, message: `${describe(ref)} has leading or trailing whitespace` }
  return { ok: true, value }
}

function describe(ref: string): string {
  return ref.startsWith('env:') ? `environment variable ${ref.slice(4)}` : `file ${ref.slice(5)}`
}

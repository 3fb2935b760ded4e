import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const DEV_SECRET_FILE = 'dev-signing-secret'

export interface DevSecret {
  readonly path: string
  readonly value: string
  readonly created: boolean
}

/**
 * Development only: a random signing secret kept in the data directory (mode 0600), so
 * that a fresh checkout can run with verification on and `slackgate sign` can sign for it.
 */
export function ensureDevSigningSecret(dataDir: string): DevSecret {
  const path = join(dataDir, DEV_SECRET_FILE)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  try {
    return { path, value: readFileSync(path, 'utf8').trim(), created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const value = randomBytes(16).toString('hex')
  // 'wx': never overwrite a secret another process wrote meanwhile.
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' })
  return { path, value, created: true }
}

import { hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createMasterKeyFile, parseMasterKey } from '../vault/master-key.js'

/** The embedded default's step-token key, in the data directory (mode 0600). */
export const STEP_KEY_FILE = 'step-token-key'

export interface StepKeySource {
  /** `vault.masterKey`: every instance derives the same key from it. */
  readonly masterKey?: () => string
  readonly dataDir: string
}

/**
 * The key custom steps' tokens are sealed under. With `vault.masterKey`, derived from it
 * (HKDF-SHA256, its own label), so every instance of a deployment opens what another sealed;
 * without, a random key in the data directory, made on first use: one process, one key (the
 * config refuses a shared queue without `vault.masterKey` when a function route exists).
 */
export function stepTokenKey(source: StepKeySource): Buffer {
  if (source.masterKey !== undefined) {
    const master = parseMasterKey(source.masterKey(), 'vault.masterKey')
    return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'slackgate/step-token-key/v1', 32))
  }
  const path = join(source.dataDir, STEP_KEY_FILE)
  createMasterKeyFile(path)
  return parseMasterKey(readFileSync(path, 'utf8'), `the step-token key file ${path}`)
}

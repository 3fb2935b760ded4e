import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { KEY_BYTES } from './envelope.js'
import { VaultError } from './errors.js'

/** The embedded default's master key, in the data directory (mode 0600), when `vault.masterKey` names none. */
export const VAULT_KEY_FILE = 'vault-master-key'

/** Where a rewrap writes the next key file before the database is switched over to it. */
export const pendingKeyFile = (path: string): string => `${path}.new`

/** What is wrong with a master key's text (never quoting it), or undefined: 32 bytes, base64. */
export function masterKeyProblem(text: string): string | undefined {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return 'must be 32 random bytes in base64 (slackgate keys vault-init makes one)'
  const bytes = Buffer.from(trimmed, 'base64')
  if (bytes.length !== KEY_BYTES) return `must be ${KEY_BYTES} bytes in base64, not ${bytes.length} (slackgate keys vault-init makes one)`
  return undefined
}

/** The key's bytes; a malformed one is `vault_key_invalid`, naming where it came from. */
export function parseMasterKey(text: string, where: string): Buffer {
  const problem = masterKeyProblem(text)
  if (problem !== undefined) throw new VaultError('vault_key_invalid', `${where} ${problem}`)
  return Buffer.from(text.trim(), 'base64')
}

/** A new master key, as base64 text. */
export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

/** Writes a new key file (mode 0600, its directory 0700); never overwrites one. False if it existed. */
export function createMasterKeyFile(path: string, text = generateMasterKey()): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  try {
    writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' })
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

/**
 * The key file's key, and the next one if a rewrap left it pending (it stopped between
 * switching the database and renaming the file): the vault opens with whichever the data
 * key is wrapped under, and `finishPendingKeyFile` completes the rename.
 */
export function readMasterKeyFiles(path: string): Array<{ key: Buffer; pending: boolean }> {
  const out: Array<{ key: Buffer; pending: boolean }> = []
  for (const [file, pending] of [
    [path, false],
    [pendingKeyFile(path), true],
  ] as const) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new VaultError('vault_key_missing', `cannot read the master key file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    out.push({ key: parseMasterKey(text, `the master key file ${file}`), pending })
  }
  return out
}

/** Makes the pending key file the key file. */
export function finishPendingKeyFile(path: string): void {
  renameSync(pendingKeyFile(path), path)
}

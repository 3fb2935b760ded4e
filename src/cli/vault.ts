import { existsSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { GatewayConfig } from '../config/load.js'
import { resolveSecretRef } from '../config/secret-ref.js'
import { masterKeyId } from '../vault/envelope.js'
import { VaultError } from '../vault/errors.js'
import type { InstallationStore } from '../vault/installation-store.js'
import {
  createMasterKeyFile,
  finishPendingKeyFile,
  generateMasterKey,
  parseMasterKey,
  pendingKeyFile,
  readMasterKeyFiles,
  VAULT_KEY_FILE,
} from '../vault/master-key.js'
import { CliError } from './cli-error.js'

/**
 * `slackgate keys vault-init`: the embedded default's master key, a new key file in the data
 * directory (mode 0600). Never overwrites one, and never prints a key, only its id. Refuses
 * when the vault already holds a data key and there is no key file: a new key would not open
 * it (the key file is to be restored from its backup instead).
 */
export async function vaultInit(config: GatewayConfig): Promise<string> {
  if (config.vault.masterKey !== undefined) {
    throw new CliError('vault.masterKey names the master key: there is no key file to make (to rotate it, use slackgate vault rewrap --new-key-ref)')
  }
  const path = join(config.dataDir, VAULT_KEY_FILE)
  const location = config.vault.store
  if (!existsSync(path) && (location.kind !== 'sqlite' || existsSync(location.path))) {
    const { openInstallationStore } = await import('../vault/open-installation-store.js')
    const store = await openInstallationStore(location)
    const stored = await store.readDataKey().finally(() => store.close())
    if (stored !== undefined) {
      throw new CliError(
        `the vault already holds installations under master key ${stored.masterKeyId}, and a new key would not open them: restore ${path} from its backup (or give that key as vault.masterKey)`,
      )
    }
  }
  const created = createMasterKeyFile(path)
  const [current] = readMasterKeyFiles(path)
  const id = current === undefined ? 'unreadable' : masterKeyId(current.key)
  return created
    ? `master key ${id} written to ${path} (mode 0600): back it up apart from the database`
    : `kept the existing master key ${id} at ${path}`
}

/** Development only (`slackgate dev`): the key file, made if missing. A line to print when it was made. */
export function ensureDevVaultKey(config: GatewayConfig): string | undefined {
  if (config.vault.masterKey !== undefined) return undefined
  const path = join(config.dataDir, VAULT_KEY_FILE)
  return createMasterKeyFile(path) ? `  Development vault master key generated in ${path} (for production, see docs/vault.md)` : undefined
}

export interface RewrapOptions {
  /** `env:NAME` or `file:PATH`: the new master key (32 bytes, base64). Without it, a new key file. */
  readonly newKeyRef?: string
}

/**
 * `slackgate vault rewrap`: wraps the data key under a new master key while the gateway runs.
 * The running gateway keeps its open data key; after a restart it needs the new key.
 *
 * With the key file (no `vault.masterKey`): the new key is written beside it as `.new`, the
 * database switched over, then the file renamed over the old one. A run stopped in between
 * leaves both files, and the gateway opens with whichever the database names and finishes
 * the rename.
 */
export async function vaultRewrap(config: GatewayConfig, store: InstallationStore, options: RewrapOptions, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  const { rewrapVault } = await import('../vault/rewrap.js')
  const { configuredMasterKeys } = await import('../vault/open-vault.js')
  if (options.newKeyRef !== undefined) {
    const resolved = resolveSecretRef(options.newKeyRef, env, cwd)
    if (!resolved.ok) throw new CliError(`--new-key-ref: ${resolved.message}`)
    const next = parseMasterKey(resolved.value, `--new-key-ref ${options.newKeyRef}`)
    const current = configuredMasterKeys(config.vault, config.dataDir).map((k) => k.key)
    const { from, to } = await rewrapVault(store, current, next)
    if (from === to) return `the data key is already wrapped under master key ${to}: nothing to do`
    const where = config.vault.masterKey === undefined ? `the key file ${join(config.dataDir, VAULT_KEY_FILE)} is no longer used (remove it); ` : ''
    return [
      `data key rewrapped: master key ${from} -> ${to}`,
      `The running gateway keeps serving every token. Before its next restart, ${where}set vault.masterKey: { ref: ${options.newKeyRef} }.`,
    ].join('\n')
  }
  if (config.vault.masterKey !== undefined) {
    throw new CliError('vault.masterKey names the master key: give the new one with --new-key-ref env:NAME, then point vault.masterKey at it')
  }
  const path = join(config.dataDir, VAULT_KEY_FILE)
  const stored = await store.readDataKey()
  if (stored === undefined) throw new VaultError('vault_key_missing', 'the vault holds no data key yet: there is nothing to rewrap')
  const files = readMasterKeyFiles(path)
  const pending = files.find((f) => f.pending)
  if (pending !== undefined && masterKeyId(pending.key) === stored.masterKeyId) finishPendingKeyFile(path)
  else if (pending !== undefined) unlinkSync(pendingKeyFile(path)) // from a run that never switched the database
  const current = readMasterKeyFiles(path).map((f) => f.key)
  if (current.length === 0 || !existsSync(path)) throw new VaultError('vault_key_missing', `no master key file at ${path}`)
  const text = generateMasterKey()
  createMasterKeyFile(pendingKeyFile(path), text)
  const { from, to } = await rewrapVault(store, current, Buffer.from(text, 'base64'))
  finishPendingKeyFile(path)
  return [
    `data key rewrapped: master key ${from} -> ${to}`,
    `${path} now holds the new key (mode 0600); the running gateway keeps serving every token, and opens with the new key at its next restart.`,
  ].join('\n')
}

import { join } from 'node:path'
import type { VaultConfig } from '../config/load.js'
import { createVault, type OpenVault } from './create-vault.js'
import { masterKeyId } from './envelope.js'
import type { InstallationStore } from './installation-store.js'
import { finishPendingKeyFile, parseMasterKey, readMasterKeyFiles, VAULT_KEY_FILE } from './master-key.js'

export interface OpenVaultOptions {
  readonly config: VaultConfig
  readonly dataDir: string
  readonly store: InstallationStore
  /** `slack.botToken`: served by `find()` when no stored installation matches. */
  readonly botToken?: () => string
  readonly lockWaitMs?: number
}

/**
 * The master keys a vault may open with: `vault.masterKey`, else the key file in the data
 * directory (and a rewrap's pending one). None when neither is there.
 */
export function configuredMasterKeys(config: VaultConfig, dataDir: string): Array<{ key: Buffer; pending: boolean }> {
  if (config.masterKey !== undefined) return [{ key: parseMasterKey(config.masterKey(), 'vault.masterKey'), pending: false }]
  return readMasterKeyFiles(join(dataDir, VAULT_KEY_FILE))
}

/**
 * Opens the gateway's vault and its data key, refusing a wrong or missing master key
 * (`vault_key_mismatch`, `vault_key_missing`). The vault is needed, and a missing key refused,
 * when `vault` or `install` is configured or the store already holds a data key; otherwise
 * it serves only `slack.botToken`'s installation. A rewrap of the key file that stopped
 * before its rename is completed here.
 */
export async function openVault(options: OpenVaultOptions): Promise<OpenVault> {
  let keys = configuredMasterKeys(options.config, options.dataDir)
  const vault = createVault({
    store: options.store,
    // Read again whenever the data key is opened anew (the first open, or one after a store
    // that did not answer): a key file a rewrap replaced meanwhile is then the one read.
    masterKeys: () => {
      keys = configuredMasterKeys(options.config, options.dataDir)
      return keys.map((k) => k.key)
    },
    required: options.config.required,
    ...(options.botToken !== undefined && { configBotToken: options.botToken }),
    ...(options.lockWaitMs !== undefined && { lockWaitMs: options.lockWaitMs }),
  })
  await vault.unlock()
  const pending = keys.find((k) => k.pending)
  if (pending !== undefined && vault.masterKeyId() === masterKeyId(pending.key)) finishPendingKeyFile(join(options.dataDir, VAULT_KEY_FILE))
  return vault
}

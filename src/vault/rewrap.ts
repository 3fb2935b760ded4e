import { masterKeyId, unwrapDataKey, wrapDataKey } from './envelope.js'
import { unavailable, VaultError } from './errors.js'
import type { InstallationStore } from './installation-store.js'

export interface RewrapResult {
  readonly from: string
  readonly to: string
}

/**
 * Rotates the master key: the data key, opened with the current master key, is wrapped under
 * `next` and swapped in only if no one else rewrapped it meanwhile. The data key itself does
 * not change, so every sealed token stays readable, by a gateway running with the data key
 * already open and, after a restart, under the new master key.
 */
export async function rewrapVault(store: InstallationStore, current: readonly Buffer[], next: Buffer): Promise<RewrapResult> {
  const stored = await store.readDataKey().catch((err: unknown) => Promise.reject(unavailable(err)))
  if (stored === undefined) throw new VaultError('vault_key_missing', 'the vault holds no data key yet: there is nothing to rewrap')
  const to = masterKeyId(next)
  if (stored.masterKeyId === to) return { from: to, to }
  const key = current.find((k) => masterKeyId(k) === stored.masterKeyId) ?? current[0]
  if (key === undefined) throw new VaultError('vault_key_missing', 'the current master key is needed to rewrap the data key (vault.masterKey, or the key file)')
  const dataKey = unwrapDataKey(stored, key)
  const swapped = await store.rewrapDataKey(stored.masterKeyId, wrapDataKey(dataKey, next)).catch((err: unknown) => Promise.reject(unavailable(err)))
  if (!swapped) throw new VaultError('vault_key_mismatch', 'another rewrap changed the data key meanwhile: run it again', { expectedMasterKeyId: stored.masterKeyId })
  return { from: stored.masterKeyId, to }
}

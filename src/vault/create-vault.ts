import { masterKeyId, newDataKey, unwrapDataKey, wrapDataKey } from './envelope.js'
import { unavailable, VaultError } from './errors.js'
import { candidateKeys, installationKey, type Installation, type InstallationQuery, type TokenKind } from './installation.js'
import type { InstallationStore } from './installation-store.js'
import { openInstallation, sealInstallation, summarise } from './stored-installation.js'
import type { LockedUpdate, Vault } from './vault.js'

/** The key of the installation `slack.botToken` stands for. */
export const CONFIG_INSTALLATION_KEY = 'config'

export interface VaultOptions {
  readonly store: InstallationStore
  /**
   * The master keys the data key may be wrapped under (the configured one, or the key file and
   * a rewrap's pending one); the first wraps a new data key. Empty when none is configured.
   * A function is asked again each time the data key is opened: a key file replaced by a
   * rewrap is then read anew.
   */
  readonly masterKeys: readonly Buffer[] | (() => readonly Buffer[])
  /**
   * Refuse to open without a master key even while the store is empty: the install flow is
   * configured, so installations are about to be stored.
   */
  readonly required?: boolean
  /**
   * `slack.botToken`: a single-workspace app's installation of its own. `find()` returns it,
   * as `origin: 'config'` with key `config`, for any request no stored installation matches.
   */
  readonly configBotToken?: () => string
  /** How long `withLock` waits for a lock held elsewhere (default 30 s). */
  readonly lockWaitMs?: number
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
}

/** The vault as the gateway holds it. */
export interface OpenVault extends Vault {
  /** False when there is no master key and nothing to open: only the config installation is served. */
  readonly active: boolean
  /** The id of the master key the data key opened with, once it has. */
  masterKeyId(): string | undefined
  /**
   * Opens the data key now: `vault_key_mismatch` for a wrong master key, `vault_key_missing`
   * when the store holds a data key and no master key is given. A store that does not answer
   * is not an error here (the vault answers 503 until it does).
   */
  unlock(): Promise<void>
}

/**
 * The Vault over an InstallationStore: seals tokens on the way in, opens them on the way out,
 * and orders lock holders of this process in a queue before they contend across processes.
 *
 * @example
 * const vault = createVault({ store, masterKeys: [parseMasterKey(process.env.SLACKGATE_MASTER_KEY, 'SLACKGATE_MASTER_KEY')] })
 * await vault.unlock()
 * const installation = await vault.find({ teamId: 'T0001' })
 */
export function createVault(options: VaultOptions): OpenVault {
  const { store } = options
  const masterKeys = (): readonly Buffer[] => (typeof options.masterKeys === 'function' ? options.masterKeys() : options.masterKeys)
  const now = options.now ?? Date.now
  const active = masterKeys().length > 0 || options.required === true
  let dataKey: Promise<Buffer> | undefined
  let openedWith: string | undefined
  const local = new Map<string, Promise<unknown>>()

  async function loadDataKey(): Promise<Buffer> {
    const stored = await store.readDataKey().catch((err: unknown) => Promise.reject(unavailable(err)))
    const keys = masterKeys()
    if (stored === undefined && keys.length > 0) {
      const first = keys[0] as Buffer
      const chosen = await store.initDataKey(wrapDataKey(newDataKey(), first)).catch((err: unknown) => Promise.reject(unavailable(err)))
      return open(chosen, keys)
    }
    if (stored === undefined || keys.length === 0) throw missingKey()
    return open(stored, keys)
  }

  function open(stored: { masterKeyId: string; wrapped: string }, keys: readonly Buffer[]): Buffer {
    const key = keys.find((k) => masterKeyId(k) === stored.masterKeyId) ?? (keys[0] as Buffer)
    const opened = unwrapDataKey(stored, key)
    openedWith = stored.masterKeyId
    return opened
  }

  function key(): Promise<Buffer> {
    dataKey ??= loadDataKey().catch((err: unknown) => {
      dataKey = undefined
      throw err
    })
    return dataKey
  }

  async function guard<T>(op: Promise<T>): Promise<T> {
    try {
      return await op
    } catch (err) {
      throw unavailable(err)
    }
  }

  async function get(k: string): Promise<Installation | undefined> {
    const row = await guard(store.get(k))
    return row === undefined ? undefined : openInstallation(row, await key())
  }

  async function save(installation: Installation): Promise<void> {
    if (installation.origin === 'config' || installation.key === CONFIG_INSTALLATION_KEY) {
      throw new TypeError('the config installation (slack.botToken) is not stored')
    }
    const expected = installationKey(installation)
    if (expected !== installation.key) throw new TypeError(`an installation's key must be installationKey(it) (${expected}), not ${installation.key}`)
    const row = sealInstallation(installation, await key(), now())
    await guard(store.put(row))
  }

  /**
   * This process's callers for one key wait in turn here, then take the cross-process lock.
   * Not reentrant: a `withLock` or `revoke` of the same key inside `fn` would wait for itself.
   */
  async function withLocalTurn<T>(k: string, fn: () => Promise<T>): Promise<T> {
    const before = local.get(k) ?? Promise.resolve()
    const mine = before.then(fn, fn)
    const settled = mine.then(
      () => undefined,
      () => undefined,
    )
    local.set(k, settled)
    try {
      return await mine
    } finally {
      if (local.get(k) === settled) local.delete(k)
    }
  }

  async function withLock<T>(k: string, fn: (current: Installation | undefined) => Promise<LockedUpdate<T>>): Promise<T> {
    return withLocalTurn(k, () =>
      store
        .withLock(
          k,
          async () => {
            const update = await fn(await get(k))
            if (update.replace !== undefined) {
              if (update.replace.key !== k) throw new TypeError(`the lock of ${k} cannot replace ${update.replace.key}`)
              await save(update.replace)
            }
            return update.result
          },
          options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs },
        )
        .catch((err: unknown) => Promise.reject(err instanceof VaultError || err instanceof TypeError ? err : unavailable(err))),
    )
  }

  function configInstallation(query: InstallationQuery): Installation | undefined {
    const read = options.configBotToken
    if (read === undefined) return undefined
    return {
      key: CONFIG_INSTALLATION_KEY,
      appId: '',
      ...(query.teamId !== undefined && { teamId: query.teamId }),
      ...(query.enterpriseId !== undefined && { enterpriseId: query.enterpriseId }),
      isEnterpriseInstall: false,
      installedAt: 0,
      origin: 'config',
      bot: { token: read(), scopes: [] },
    }
  }

  return {
    active,
    masterKeyId: () => openedWith,
    async unlock() {
      if (!active) {
        // Nothing is configured; the store must hold nothing that needs a key either.
        if ((await store.readDataKey().catch(() => undefined)) !== undefined) throw missingKey()
        return
      }
      await key().catch((err: unknown) => {
        if (err instanceof VaultError && err.code === 'vault_unavailable') return
        throw err
      })
    },
    save,
    async find(query) {
      for (const k of candidateKeys(query)) {
        const found = await get(k)
        if (found !== undefined) return found
      }
      return configInstallation(query)
    },
    get,
    async list() {
      return (await guard(store.list())).map(summarise)
    },
    revoke(k, kinds) {
      return withLock(k, async (current): Promise<LockedUpdate<boolean>> => {
        if (current === undefined) return { result: false }
        const held = (['bot', 'user'] as const).filter((kind) => current[kind] !== undefined)
        const wiped = held.filter((kind) => kinds.includes(kind))
        if (wiped.length === 0) return { result: false }
        if (wiped.length === held.length) {
          await guard(store.delete(k))
          return { result: true }
        }
        return { result: true, replace: without(current, wiped) }
      })
    },
    async delete(k) {
      return guard(store.delete(k))
    },
    withLock,
    async ping() {
      await guard(store.ping())
    },
    close: () => store.close(),
  }
}

function without(installation: Installation, kinds: readonly TokenKind[]): Installation {
  const { bot, user, ...rest } = installation
  return { ...rest, ...(bot !== undefined && !kinds.includes('bot') && { bot }), ...(user !== undefined && !kinds.includes('user') && { user }) }
}

function missingKey(): VaultError {
  return new VaultError(
    'vault_key_missing',
    'the token vault needs its master key: run `slackgate keys vault-init` (a key file in the data directory) or set vault.masterKey: { ref: env:SLACKGATE_MASTER_KEY }',
  )
}

import { candidateKeys, summariseInstallation, type Installation, type TokenKind } from '../../src/vault/installation.js'
import type { LockedUpdate, Vault } from '../../src/vault/vault.js'

export interface MemoryVault extends Vault {
  /** Every installation held, by key. */
  readonly installations: Map<string, Installation>
  /** Makes every call reject (a store that is down), or answer again. */
  setDown(down: boolean): void
}

/** An in-memory Vault for tests of what uses one (the install flow): no encryption, no persistence. */
export function createMemoryVault(): MemoryVault {
  const installations = new Map<string, Installation>()
  const locks = new Map<string, Promise<void>>()
  let down = false
  const up = () => {
    if (down) throw new Error('vault unavailable')
  }
  return {
    installations,
    setDown: (value) => void (down = value),
    async save(installation) {
      up()
      installations.set(installation.key, installation)
    },
    async find(query) {
      up()
      for (const key of candidateKeys(query)) {
        const found = installations.get(key)
        if (found !== undefined) return found
      }
      return undefined
    },
    async get(key) {
      up()
      return installations.get(key)
    },
    async list() {
      up()
      return [...installations.values()].map(summariseInstallation)
    },
    async revoke(key, kinds: readonly TokenKind[]) {
      up()
      const found = installations.get(key)
      if (found === undefined) return false
      const rest = { ...found } as { -readonly [K in keyof Installation]: Installation[K] }
      for (const kind of kinds) delete rest[kind]
      if (rest.bot === undefined && rest.user === undefined) installations.delete(key)
      else installations.set(key, rest)
      return true
    },
    async delete(key) {
      up()
      return installations.delete(key)
    },
    async withLock<T>(key: string, fn: (current: Installation | undefined) => Promise<LockedUpdate<T>>): Promise<T> {
      up()
      // One holder per key at a time, as the real vault's lease: the others queue behind it.
      const previous = locks.get(key) ?? Promise.resolve()
      let release = () => {}
      const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)))
      locks.set(key, mine)
      await previous
      try {
        const update = await fn(installations.get(key))
        if (update.replace !== undefined) installations.set(key, update.replace)
        return update.result
      } finally {
        release()
        if (locks.get(key) === mine) locks.delete(key)
      }
    },
    async ping() {
      up()
    },
    async close() {},
  }
}

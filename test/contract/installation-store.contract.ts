import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { masterKeyId, wrapDataKey } from '../../src/vault/envelope.js'
import { createVault } from '../../src/vault/create-vault.js'
import type { Installation } from '../../src/vault/installation.js'
import type { InstallationStore, StoredInstallation } from '../../src/vault/installation-store.js'
import { rewrapVault } from '../../src/vault/rewrap.js'

export interface InstallationStoreFixture {
  /** A new adapter over the same data (another process or instance, as far as the data goes). */
  open(): InstallationStore
  /** Every byte the backing store holds for the adapter (files, -wal included; or table rows as text). */
  raw(): Promise<Buffer>
  /** Sets one column of one row behind the adapter's back (tampering). */
  setColumn(key: string, column: 'bot_token' | 'bot_refresh_token' | 'user_token' | 'user_refresh_token' | 'metadata', value: string | null): Promise<void>
  cleanup(): Promise<void>
}

const row = (key: string, over: Partial<StoredInstallation> = {}): StoredInstallation => ({
  key,
  metadata: JSON.stringify({ key, appId: 'A1' }),
  sealed: { 'bot.token': `sealed-bot-${key}` },
  updatedAt: 1_800_000_000_000,
  ...over,
})

/** Unique token values, so that a scan of the raw bytes can look for them. */
export function tokens(tag: string) {
  const r = randomBytes(6).toString('hex')
  return {
    bot: `xoxb-${tag}-bot-${r}`,
    botRefresh: `xoxe-1-${tag}-bot-refresh-${r}`,
    user: `xoxp-${tag}-user-${r}`,
    userRefresh: `xoxe-1-${tag}-user-refresh-${r}`,
  }
}

export function installation(teamId: string, t = tokens(teamId), over: Partial<Installation> = {}): Installation {
  return {
    key: `team:${teamId}`,
    appId: 'A0001',
    teamId,
    teamName: `Team ${teamId}`,
    isEnterpriseInstall: false,
    botUserId: 'U0BOT',
    installerUserId: 'U0INSTALLER',
    installedAt: 1_800_000_000,
    origin: 'oauth',
    bot: { token: t.bot, scopes: ['chat:write', 'commands'], refreshToken: t.botRefresh, expiresAt: 1_800_043_200 },
    user: { token: t.user, scopes: ['search:read'], refreshToken: t.userRefresh, expiresAt: 1_800_043_200 },
    ...over,
  }
}

/** The behaviour every InstallationStore adapter must show. */
export function describeInstallationStore(name: string, setup: () => Promise<InstallationStoreFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`InstallationStore contract: ${name}`, () => {
    let f: InstallationStoreFixture
    let store: InstallationStore
    const opened: InstallationStore[] = []
    const open = () => {
      const s = f.open()
      opened.push(s)
      return s
    }
    beforeEach(async () => {
      f = await setup()
      store = open()
    })
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
      await f.cleanup()
    })

    it('puts, gets, replaces, lists and deletes rows', async () => {
      expect(await store.get('team:T1')).toBeUndefined()
      await store.put(row('team:T1', { sealed: { 'bot.token': 'b', 'bot.refreshToken': 'br', 'user.token': 'u', 'user.refreshToken': 'ur' } }))
      await store.put(row('enterprise:E1'))
      expect(await store.get('team:T1')).toEqual(
        row('team:T1', { sealed: { 'bot.token': 'b', 'bot.refreshToken': 'br', 'user.token': 'u', 'user.refreshToken': 'ur' } }),
      )
      await store.put(row('team:T1', { metadata: '{"v":2}', sealed: { 'bot.token': 'b2' }, updatedAt: 1_800_000_000_001 }))
      expect(await store.get('team:T1')).toEqual(row('team:T1', { metadata: '{"v":2}', sealed: { 'bot.token': 'b2' }, updatedAt: 1_800_000_000_001 }))
      expect((await open().list()).map((r) => r.key)).toEqual(['enterprise:E1', 'team:T1'])
      expect(await store.delete('team:T1')).toBe(true)
      expect(await store.delete('team:T1')).toBe(false)
      expect(await store.get('team:T1')).toBeUndefined()
    })

    it('keeps the first data key stored, and swaps its wrapping only from the expected master key', async () => {
      expect(await store.readDataKey()).toBeUndefined()
      const first = { masterKeyId: 'aaaa', wrapped: 'w1' }
      const [a, b] = await Promise.all([store.initDataKey(first), open().initDataKey({ masterKeyId: 'bbbb', wrapped: 'w2' })])
      expect(a).toEqual(b)
      const kept = a
      expect(await store.readDataKey()).toEqual(kept)
      expect(await store.rewrapDataKey('cccc', { masterKeyId: 'dddd', wrapped: 'w3' })).toBe(false)
      expect(await store.rewrapDataKey(kept.masterKeyId, { masterKeyId: 'dddd', wrapped: 'w3' })).toBe(true)
      expect(await open().readDataKey()).toEqual({ masterKeyId: 'dddd', wrapped: 'w3' })
    })

    it('withLock excludes holders of the same key across adapters, not of other keys, and is released when fn throws', async () => {
      const other = open()
      let inside = 0
      let most = 0
      const order: string[] = []
      const hold = (s: InstallationStore, key: string, tag: string) =>
        s.withLock(key, async () => {
          inside++
          most = Math.max(most, inside)
          order.push(`in:${tag}`)
          await new Promise((resolve) => setTimeout(resolve, 30))
          order.push(`out:${tag}`)
          inside--
          return tag
        })
      const results = await Promise.all([hold(store, 'team:T1', 'a'), hold(other, 'team:T1', 'b'), hold(store, 'team:T1', 'c'), hold(other, 'team:T1', 'd')])
      expect(results).toEqual(['a', 'b', 'c', 'd'])
      expect(most).toBe(1)
      for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]?.replace('in:', 'out:'))

      // Another key is not held up by a holder of team:T1 (once that holder is inside).
      const { held, release } = await holdInside(store, 'team:T1')
      await expect(other.withLock('team:T2', async () => 'free')).resolves.toBe('free')
      release()
      await held

      await expect(store.withLock('team:T1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
      await expect(other.withLock('team:T1', async () => 'after', { waitMs: 2000 })).resolves.toBe('after')
    })

    it('a lock held elsewhere for longer than the wait: vault_lock_timeout', async () => {
      const { held, release } = await holdInside(store, 'team:T1')
      await expect(open().withLock('team:T1', async () => 'never', { waitMs: 150 })).rejects.toMatchObject({ code: 'vault_lock_timeout', installation: 'team:T1' })
      release()
      await held
    })

    describe('the vault over it', () => {
      const master = randomBytes(32)
      const vaultOn = (s: InstallationStore, keys: readonly Buffer[] = [master], over: Partial<Parameters<typeof createVault>[0]> = {}) =>
        createVault({ store: s, masterKeys: keys, ...over })

      it('saves and finds installations: the workspace own, else its org-wide one, else the config token', async () => {
        const vault = vaultOn(store)
        const t1 = installation('T1')
        const org: Installation = { ...installation('x', tokens('org'), { isEnterpriseInstall: true, enterpriseId: 'E1' }), key: 'enterprise:E1' }
        const { teamId: _none, teamName: _nn, ...orgWide } = org
        await vault.save(t1)
        await vault.save(orgWide)
        const reader = vaultOn(open())
        expect(await reader.find({ teamId: 'T1' })).toEqual(t1)
        expect(await reader.find({ teamId: 'T9', enterpriseId: 'E1' })).toEqual(orgWide)
        expect(await reader.find({ teamId: 'T9' })).toBeUndefined()
        const withConfig = vaultOn(open(), [master], { configBotToken: () => 'xoxb-config-token' })
        expect(await withConfig.find({ teamId: 'T9' })).toMatchObject({ key: 'config', origin: 'config', teamId: 'T9', bot: { token: 'xoxb-config-token' } })
        expect(await withConfig.find({ teamId: 'T1' })).toEqual(t1)
        expect((await reader.list()).map((s) => [s.key, s.botScopes, s.hasUserToken, s.rotating])).toEqual([
          ['enterprise:E1', ['chat:write', 'commands'], true, true],
          ['team:T1', ['chat:write', 'commands'], true, true],
        ])
        expect(JSON.stringify(await reader.list())).not.toContain('xox')
      })

      it('holds no token bytes in what it stores (raw bytes scanned for each token, in utf-8, base64 and hex)', async () => {
        const vault = vaultOn(store)
        const all = [tokens('scan1'), tokens('scan2')]
        await vault.save(installation('T1', all[0]))
        await vault.save(installation('T2', all[1]))
        await vault.withLock('team:T1', async (current) => ({ result: undefined, replace: { ...(current as Installation), teamName: 'renamed' } }))
        const raw = await f.raw()
        const text = raw.toString('latin1')
        expect(text).toContain('team:T1') // the scan does see the rows
        for (const t of all) {
          for (const token of Object.values(t)) {
            for (const form of [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), Buffer.from(token).toString('hex')]) {
              expect(text.includes(form), `${form} found in the stored bytes`).toBe(false)
            }
            // A distinctive part of it, too (base64 of a substring aligns differently).
            expect(text.includes(token.slice(5))).toBe(false)
          }
        }
        expect(text.includes(master.toString('base64'))).toBe(false)
        expect(text.includes(master.toString('hex'))).toBe(false)
      })

      it('a ciphertext altered, or moved to another installation or slot, fails to open: token_decrypt_failed', async () => {
        const vault = vaultOn(store)
        const i1 = installation('T1')
        await vault.save(i1)
        await vault.save(installation('T2'))
        const t1 = (await store.get('team:T1')) as StoredInstallation
        const t2 = (await store.get('team:T2')) as StoredInstallation

        // T2's bot token under T1's row: same data key, other associated data.
        await f.setColumn('team:T1', 'bot_token', t2.sealed['bot.token'] as string)
        await expect(vault.get('team:T1')).rejects.toMatchObject({ code: 'token_decrypt_failed', installation: 'team:T1', slot: 'bot.token' })
        // T1's own user token in its bot slot.
        await f.setColumn('team:T1', 'bot_token', t1.sealed['user.token'] as string)
        await expect(vault.find({ teamId: 'T1' })).rejects.toMatchObject({ code: 'token_decrypt_failed', slot: 'bot.token' })
        // A refresh token in its token slot (the field is bound too).
        await f.setColumn('team:T1', 'bot_token', t1.sealed['bot.refreshToken'] as string)
        await expect(vault.get('team:T1')).rejects.toMatchObject({ code: 'token_decrypt_failed', slot: 'bot.token' })
        // One bit flipped in the ciphertext.
        const sealed = t1.sealed['bot.token'] as string
        const bytes = Buffer.from(sealed.slice(3), 'base64url')
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
        await f.setColumn('team:T1', 'bot_token', `v1.${bytes.toString('base64url')}`)
        await expect(vault.get('team:T1')).rejects.toMatchObject({ code: 'token_decrypt_failed' })
        // Put back, it opens again.
        await f.setColumn('team:T1', 'bot_token', sealed)
        expect(await vault.get('team:T1')).toEqual(i1)
        // Its description edited beside it (a later expiry, so that it is never refreshed): refused too.
        const edited = t1.metadata.replace('"expiresAt":1800043200', '"expiresAt":1900000000')
        expect(edited).not.toBe(t1.metadata)
        await f.setColumn('team:T1', 'metadata', edited)
        await expect(vault.get('team:T1')).rejects.toMatchObject({ code: 'token_decrypt_failed', installation: 'team:T1' })
        await f.setColumn('team:T1', 'metadata', t1.metadata)
        expect(await vault.get('team:T1')).toEqual(i1)
        // The error names the slot, never the ciphertext or a token.
        await f.setColumn('team:T2', 'user_token', t1.sealed['user.token'] as string)
        const err = (await vault.get('team:T2').catch((e: unknown) => e)) as Error
        expect(err).toMatchObject({ code: 'token_decrypt_failed', installation: 'team:T2', slot: 'user.token' })
        expect(err.message).not.toContain('v1.')
        expect(err.message).not.toContain('xox')
      })

      it('refuses a wrong master key by its id, and opens with the right one', async () => {
        await vaultOn(store).save(installation('T1'))
        const wrong = vaultOn(open(), [randomBytes(32)])
        await expect(wrong.unlock()).rejects.toMatchObject({ code: 'vault_key_mismatch', expectedMasterKeyId: masterKeyId(master) })
        await expect(wrong.get('team:T1')).rejects.toMatchObject({ code: 'vault_key_mismatch' })
        const none = vaultOn(open(), [])
        await expect(none.unlock()).rejects.toMatchObject({ code: 'vault_key_missing' })
        const right = vaultOn(open())
        await right.unlock()
        expect(right.masterKeyId()).toBe(masterKeyId(master))
      })

      it('a vault not required, with no key and an empty store, serves only the config installation', async () => {
        const vault = vaultOn(store, [], { configBotToken: () => 'xoxb-config' })
        expect(vault.active).toBe(false)
        await vault.unlock()
        expect(await vault.find({ teamId: 'T1' })).toMatchObject({ origin: 'config' })
        await expect(vault.save(installation('T1'))).rejects.toMatchObject({ code: 'vault_key_missing' })
        await expect(vaultOn(open(), [], { required: true }).unlock()).rejects.toMatchObject({ code: 'vault_key_missing' })
      })

      it('rewrap: every token stays readable by a vault already open, and by one opened with the new key only', async () => {
        const running = vaultOn(store)
        const all = ['T1', 'T2', 'T3'].map((id) => installation(id))
        for (const i of all) await running.save(i)
        await running.unlock()
        const next = randomBytes(32)
        expect(await rewrapVault(open(), [master], next)).toEqual({ from: masterKeyId(master), to: masterKeyId(next) })
        // The running vault keeps its open data key: reads and writes go on.
        for (const i of all) expect(await running.get(i.key)).toEqual(i)
        const later = installation('T4')
        await running.save(later)
        // A restart with the new key reads everything, old and new.
        const restarted = vaultOn(open(), [next])
        for (const i of [...all, later]) expect(await restarted.get(i.key)).toEqual(i)
        // The old key no longer opens it.
        await expect(vaultOn(open(), [master]).unlock()).rejects.toMatchObject({ code: 'vault_key_mismatch' })
        // A rewrap from a key that is not the current one is refused.
        await expect(rewrapVault(open(), [master], randomBytes(32))).rejects.toMatchObject({ code: 'vault_key_mismatch' })
      })

      it('revoke wipes the tokens of the kinds given, or the whole installation', async () => {
        const vault = vaultOn(store)
        const i1 = installation('T1')
        await vault.save(i1)
        expect(await vault.revoke('team:T1', ['user'])).toBe(true)
        const left = await vault.get('team:T1')
        expect(left?.user).toBeUndefined()
        expect(left?.bot).toEqual(i1.bot)
        expect((await store.get('team:T1'))?.sealed).toEqual({ 'bot.token': expect.any(String), 'bot.refreshToken': expect.any(String) })
        expect(await vault.revoke('team:T1', ['user'])).toBe(false)
        expect(await vault.revoke('team:T1', ['bot'])).toBe(true)
        expect(await store.get('team:T1')).toBeUndefined()
        expect(await vault.revoke('team:T1', ['bot', 'user'])).toBe(false)
      })

      it('withLock hands fn the current installation and stores its replacement before releasing', async () => {
        const vault = vaultOn(store)
        const other = vaultOn(open())
        await vault.save(installation('T1'))
        let exchanges = 0
        const refresh = (v: typeof vault) =>
          v.withLock('team:T1', async (current) => {
            const bot = current?.bot
            if (bot === undefined) throw new Error('no installation')
            if (bot.token.endsWith('-refreshed')) return { result: bot.token }
            exchanges++
            await new Promise((resolve) => setTimeout(resolve, 20))
            const token = `${bot.token}-refreshed`
            return { result: token, replace: { ...(current as Installation), bot: { ...bot, token } } }
          })
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(i % 2 === 0 ? vault : other)))
        expect(exchanges).toBe(1)
        expect(new Set(results).size).toBe(1)
        expect((await other.get('team:T1'))?.bot?.token).toBe(results[0])
      })
    })
  })
}

/**
 * Takes the lock of `key` and resolves once `fn` is running inside it, so the caller knows the
 * lock is held; `release` lets the holder finish, `held` settles when the lock is given back.
 */
async function holdInside(store: InstallationStore, key: string): Promise<{ held: Promise<void>; release: () => void }> {
  let enter: () => void = () => undefined
  let release: () => void = () => undefined
  const inside = new Promise<void>((resolve) => (enter = resolve))
  const done = new Promise<void>((resolve) => (release = resolve))
  const held = store.withLock(key, async () => {
    enter()
    await done
  })
  await Promise.race([inside, held])
  return { held, release }
}

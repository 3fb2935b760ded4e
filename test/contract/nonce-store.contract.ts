import { afterEach, describe, expect, it } from 'vitest'
import type { NonceStore } from '../../src/replay/nonce-store.js'

export interface NonceStoreFixture {
  readonly store: NonceStore
  /** Moves the store's clock forward (or waits, for a store that keeps real time). */
  advance(ms: number): Promise<void>
  cleanup?(): Promise<void>
}

/** The NonceStore contract; every adapter's test calls it with a factory. */
export function describeNonceStore(name: string, factory: () => Promise<NonceStoreFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`NonceStore contract: ${name}`, () => {
    const fixtures: NonceStoreFixture[] = []
    async function make(): Promise<NonceStoreFixture> {
      const f = await factory()
      fixtures.push(f)
      return f
    }
    afterEach(async () => {
      for (const f of fixtures.splice(0)) {
        await f.store.close()
        await f.cleanup?.()
      }
    })

    it('claims a key once: first, then duplicate', async () => {
      const { store } = await make()
      expect(await store.claim('sig:abc', 600)).toBe('first')
      expect(await store.claim('sig:abc', 600)).toBe('duplicate')
      expect(await store.claim('sig:abc', 600)).toBe('duplicate')
    })

    it('keeps keys independent', async () => {
      const { store } = await make()
      expect(await store.claim('event:A1:Ev1', 600)).toBe('first')
      expect(await store.claim('event:A1:Ev2', 600)).toBe('first')
      expect(await store.claim('event:A2:Ev1', 600)).toBe('first')
    })

    it('of 100 concurrent claims of one key, exactly one is first', async () => {
      const { store } = await make()
      const results = await Promise.all(Array.from({ length: 100 }, () => store.claim('trigger:123.456', 600)))
      expect(results.filter((r) => r === 'first')).toHaveLength(1)
      expect(results.filter((r) => r === 'duplicate')).toHaveLength(99)
    })

    it('forgets a key after its TTL, not before', async () => {
      const { store, advance } = await make()
      expect(await store.claim('k', 1)).toBe('first')
      await advance(400)
      expect(await store.claim('k', 1)).toBe('duplicate')
      await advance(1700)
      expect(await store.claim('k', 1)).toBe('first')
      expect(await store.claim('k', 1)).toBe('duplicate')
    })

    it('release makes a key claimable again', async () => {
      const { store } = await make()
      expect(await store.claim('k', 600)).toBe('first')
      await store.release('k')
      expect(await store.claim('k', 600)).toBe('first')
    })

    it('handles long and unusual keys', async () => {
      const { store } = await make()
      const long = `sig:${'f'.repeat(1000)}`
      const odd = 'event:T1:Ev\u00e9\u0000:x y'
      expect(await store.claim(long, 600)).toBe('first')
      expect(await store.claim(odd, 600)).toBe('first')
      expect(await store.claim(long, 600)).toBe('duplicate')
      expect(await store.claim(odd, 600)).toBe('duplicate')
    })

    it('answers ping', async () => {
      const { store } = await make()
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}

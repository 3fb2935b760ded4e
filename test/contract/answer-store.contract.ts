import { afterEach, describe, expect, it } from 'vitest'
import type { AnswerStore, StoredAnswer } from '../../src/ack/answer-store.js'

export interface AnswerStoreFixture {
  readonly store: AnswerStore
  /** Moves the store's clock forward (or waits, for a store that keeps real time). */
  advance(ms: number): Promise<void>
  cleanup?(): Promise<void>
}

const errors: StoredAnswer = { status: 200, body: '{"response_action":"errors","errors":{"ticket-title":"Too short"}}' }
const clear: StoredAnswer = { status: 200, body: '{"response_action":"clear"}' }

/** The AnswerStore contract; every adapter's test calls it with a factory. */
export function describeAnswerStore(name: string, factory: () => Promise<AnswerStoreFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`AnswerStore contract: ${name}`, () => {
    const fixtures: AnswerStoreFixture[] = []
    async function make(): Promise<AnswerStoreFixture> {
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

    it('gives back the answer put, status and body exactly', async () => {
      const { store } = await make()
      expect(await store.get('trigger:1.1')).toBeUndefined()
      expect(await store.put('trigger:1.1', errors, 600)).toBe(true)
      expect(await store.get('trigger:1.1')).toEqual(errors)
    })

    it('keeps an empty body and a status other than 200', async () => {
      const { store } = await make()
      expect(await store.put('event:Ev1', { status: 200, body: '' }, 600)).toBe(true)
      expect(await store.put('event:Ev2', { status: 202, body: 'x' }, 600)).toBe(true)
      expect(await store.get('event:Ev1')).toEqual({ status: 200, body: '' })
      expect(await store.get('event:Ev2')).toEqual({ status: 202, body: 'x' })
    })

    it('keeps a 60 KiB body with unicode, control characters and JSON escapes byte for byte', async () => {
      const { store } = await make()
      const unit = 'é€😀\u0000\n\t"\\</script>\u2028 '
      const body = JSON.stringify({ text: unit.repeat(Math.ceil((60 * 1024) / Buffer.byteLength(unit))) })
      expect(Buffer.byteLength(body)).toBeGreaterThanOrEqual(60 * 1024)
      expect(await store.put('trigger:big', { status: 200, body }, 600)).toBe(true)
      const got = await store.get('trigger:big')
      expect(got?.status).toBe(200)
      expect(Buffer.from(got?.body ?? '').equals(Buffer.from(body))).toBe(true)
    })

    it('keeps the first answer: a second put of the key resolves false and changes nothing', async () => {
      const { store } = await make()
      expect(await store.put('trigger:2.2', errors, 600)).toBe(true)
      expect(await store.put('trigger:2.2', clear, 600)).toBe(false)
      expect(await store.put('trigger:2.2', { status: 200, body: '' }, 600)).toBe(false)
      expect(await store.get('trigger:2.2')).toEqual(errors)
    })

    it('of 50 concurrent puts of one key, exactly one wins, and its answer is the one kept', async () => {
      const { store } = await make()
      const answers = Array.from({ length: 50 }, (_, i) => ({ status: 200, body: `{"n":${i}}` }))
      const results = await Promise.all(answers.map((a) => store.put('trigger:race', a, 600)))
      expect(results.filter((r) => r)).toHaveLength(1)
      expect(await store.get('trigger:race')).toEqual(answers[results.indexOf(true)])
    })

    it('forgets an answer after its TTL, not before, and then takes a new one', async () => {
      const { store, advance } = await make()
      expect(await store.put('k', errors, 1)).toBe(true)
      await advance(400)
      expect(await store.get('k')).toEqual(errors)
      expect(await store.put('k', clear, 1)).toBe(false)
      await advance(1100)
      expect(await store.get('k')).toBeUndefined()
      expect(await store.put('k', clear, 600)).toBe(true)
      expect(await store.get('k')).toEqual(clear)
    })

    it('keeps keys apart, including keys that prefix one another', async () => {
      const { store } = await make()
      const keys = ['event:Ev1', 'event:Ev2', 'event:Ev1:', 'event:Ev', 'sig:Ev1']
      for (const [i, key] of keys.entries()) expect(await store.put(key, { status: 200, body: key + i }, 600)).toBe(true)
      for (const [i, key] of keys.entries()) expect(await store.get(key)).toEqual({ status: 200, body: key + i })
      expect(await store.get('event:Ev3')).toBeUndefined()
    })

    it('handles long and unusual keys', async () => {
      const { store } = await make()
      const long = `sig:${'f'.repeat(1000)}`
      const odd = 'event:T1:Ev\u00e9\u0000:x y'
      expect(await store.put(long, errors, 600)).toBe(true)
      expect(await store.put(odd, clear, 600)).toBe(true)
      expect(await store.get(long)).toEqual(errors)
      expect(await store.get(odd)).toEqual(clear)
    })

    it('answers ping', async () => {
      const { store } = await make()
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}

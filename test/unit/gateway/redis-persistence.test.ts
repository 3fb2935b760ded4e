import { describe, expect, it } from 'vitest'
import { persistenceVerdict } from '../../../src/gateway/redis-persistence.js'

const WHERE = "the queue's Redis (redis://127.0.0.1:6379)"

describe('whether acked jobs survive a Redis restart', () => {
  it('check: appendonly yes with appendfsync always loses nothing; everysec and no pass with what they risk', () => {
    expect(persistenceVerdict('check', { readable: true, appendonly: 'yes', appendfsync: 'always' }, WHERE)).toEqual({ ok: true })
    expect(persistenceVerdict('check', { readable: true, appendonly: 'yes', appendfsync: 'everysec' }, WHERE)).toEqual({ ok: true, note: expect.stringMatching(/up to a second of acked jobs/) })
    expect(persistenceVerdict('check', { readable: true, appendonly: 'yes', appendfsync: 'no' }, WHERE)).toEqual({ ok: true, note: expect.stringMatching(/about 30 s/) })
  })

  it('check: appendonly no, or a Redis that will not say, is refused with the fix', () => {
    const memory = persistenceVerdict('check', { readable: true, appendonly: 'no', appendfsync: 'everysec' }, WHERE)
    expect(memory).toEqual({ ok: false, problem: expect.stringMatching(/keeps jobs only in memory \(appendonly no\).*turn on appendonly yes.*queue.redisPersistence: trusted/) })
    const silent = persistenceVerdict('check', { readable: false, error: "ERR unknown command 'CONFIG'" }, WHERE)
    expect(silent).toEqual({ ok: false, problem: expect.stringMatching(/did not say how it persists \(CONFIG GET: ERR unknown command 'CONFIG'\)/) })
  })

  it('trusted takes the operator at their word; volatile says what it gives up', () => {
    const unread = { readable: false, error: 'not asked' } as const
    expect(persistenceVerdict('trusted', unread, WHERE)).toEqual({ ok: true })
    expect(persistenceVerdict('volatile', unread, WHERE)).toEqual({ ok: true, note: expect.stringMatching(/jobs acked to Slack are lost if the queue's Redis/) })
  })
})

import { describe, expect, it } from 'vitest'
import { commandBodyPrefix, triggerId } from '../../../bench/lib/slash-command.js'

describe('the benchmark sends distinct requests', () => {
  it('every request number gives its own trigger id, of one length', () => {
    const ids = new Set<string>()
    for (let n = 0; n < 200_000; n++) ids.add(triggerId('m12345.0', n))
    expect(ids.size).toBe(200_000)
    expect(new Set([...ids].map((id) => id.length))).toEqual(new Set([40]))
    // Request 1 and request 10 once sent the same body.
    expect(triggerId('m1.0', 1)).not.toBe(triggerId('m1.0', 10))
  })

  it('bodies differ exactly where the trigger ids do', () => {
    const prefix = commandBodyPrefix(1024)
    const bodies = new Set(Array.from({ length: 1000 }, (_, n) => prefix + triggerId('w7.1', n)))
    expect(bodies.size).toBe(1000)
  })

  it('refuses a run id that leaves too few digits', () => {
    expect(() => triggerId('x'.repeat(30), 1)).toThrow(RangeError)
  })
})

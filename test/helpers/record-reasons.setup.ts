import { appendFileSync } from 'node:fs'
import { chai, expect, inject } from 'vitest'
import { OBSERVING_MATCHERS, observedReasons, recordFileFor } from './reason-recorder.js'

/**
 * Setup file of every test file: each assertion that passes and names a reason code in its
 * expected value (`expect(res.json()).toEqual({ error: 'signature_mismatch' })`,
 * `rejects.toMatchObject({ code: 'body_mismatch' })`, a log line's `reason`) appends that
 * code to this run's record. The global teardown (test/global-setup.ts) then checks that a
 * whole-suite run observed every code in the catalogue: each one produced by the code under
 * test and checked, not merely spelled somewhere in a test file.
 */
const dir = inject('reasonsDir')
// The catalogue's own tests name every code without any code under test producing it.
const NOT_OBSERVATIONS = /\/test\/unit\/(error-codes|reason-recorder)\.test\.ts$/
const written = new Set<string>()

function record(codes: ReadonlySet<string>): void {
  const fresh = [...codes].filter((c) => !written.has(c))
  const testPath = expect.getState().testPath ?? ''
  if (fresh.length === 0 || dir === undefined || NOT_OBSERVATIONS.test(testPath)) return
  for (const code of fresh) written.add(code)
  appendFileSync(recordFileFor(dir, testPath), `${fresh.join('\n')}\n`)
}

for (const matcher of Object.keys(OBSERVING_MATCHERS)) {
  chai.util.overwriteMethod(chai.Assertion.prototype, matcher, (original: (...args: unknown[]) => unknown) => {
    return function (this: Chai.AssertionStatic, ...args: unknown[]) {
      // A failing assertion throws here, and records nothing.
      const result = original.apply(this, args)
      record(observedReasons(matcher, args, chai.util.flag(this, 'object'), chai.util.flag(this, 'negate') === true))
      return result
    }
  })
}

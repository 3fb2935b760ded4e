import { expect } from 'vitest'
import { ConfigError } from '../../src/config/errors.js'

/** The ConfigError `fn` throws; fails the test if it throws anything else, or nothing. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

/** The problems of the ConfigError `fn` throws, after checking its code when one is given. */
export function problemsOf(fn: () => unknown, code?: ConfigError['code']): Array<{ key: string; message: string }> {
  const err = configErrorOf(fn)
  if (code !== undefined) expect(err.code).toBe(code)
  return [...err.problems]
}

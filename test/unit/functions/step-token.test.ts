import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StepError } from '../../../src/functions/errors.js'
import { STEP_KEY_FILE, stepTokenKey } from '../../../src/functions/step-token-key.js'
import { createStepTokens } from '../../../src/functions/step-token.js'

const TOKEN = 'xwfp-1234-5678-step-token'

describe('step tokens', () => {
  const tokens = createStepTokens(randomBytes(32))

  it('seal and open: the sealed form holds nothing of the token', () => {
    const sealed = tokens.seal(TOKEN, 'Fx1', 1_800_000_900_000)
    expect(sealed.expiresAt).toBe(1_800_000_900_000)
    expect(sealed.sealed).not.toContain('xwfp')
    expect(tokens.open(sealed, 'Fx1')).toBe(TOKEN)
  })

  it('does not open for another step, with another expiry, altered, or under another key', () => {
    const sealed = tokens.seal(TOKEN, 'Fx1', 1000)
    const flipped = sealed.sealed.slice(0, -2) + (sealed.sealed.endsWith('A') ? 'BB' : 'AA')
    const other = createStepTokens(randomBytes(32))
    for (const attempt of [
      () => tokens.open(sealed, 'Fx2'),
      () => tokens.open({ ...sealed, expiresAt: 2000 }, 'Fx1'),
      () => tokens.open({ ...sealed, sealed: flipped }, 'Fx1'),
      () => other.open(sealed, 'Fx1'),
    ]) {
      expect(attempt).toThrow(StepError)
      try {
        attempt()
      } catch (err) {
        expect(err).toMatchObject({ code: 'step_token_unreadable' })
        expect(String((err as Error).message)).not.toContain(TOKEN)
      }
    }
  })

  it('a key is 32 bytes', () => {
    expect(() => createStepTokens(randomBytes(16))).toThrow(/32 bytes/)
  })
})

describe('the step-token key', () => {
  it('is derived from vault.masterKey: the same on every instance, and not the master key itself', () => {
    const master = randomBytes(32).toString('base64')
    const a = stepTokenKey({ masterKey: () => master, dataDir: '/nonexistent' })
    const b = stepTokenKey({ masterKey: () => master, dataDir: '/elsewhere' })
    expect(a.equals(b)).toBe(true)
    expect(a.equals(Buffer.from(master, 'base64'))).toBe(false)
  })

  it('without one, is a key file made once in the data directory, readable by its owner only', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slackgate-stepkey-'))
    const first = stepTokenKey({ dataDir })
    const again = stepTokenKey({ dataDir })
    expect(first.equals(again)).toBe(true)
    expect(statSync(join(dataDir, STEP_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect(Buffer.from(readFileSync(join(dataDir, STEP_KEY_FILE), 'utf8').trim(), 'base64').equals(first)).toBe(true)
  })
})

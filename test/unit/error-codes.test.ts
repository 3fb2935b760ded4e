import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CONFIG_CODES } from '../../src/config/errors.js'
import { POLICY_CODES } from '../../src/policy/errors.js'
import { AUDIT_CODES } from '../../src/audit/errors.js'
import { DISPATCH_CODES } from '../../src/dispatch/errors.js'
import { REPLAY_CODES } from '../../src/replay/errors.js'
import { HTTP_CODES } from '../../src/http/errors.js'
import { DECODE_CODES } from '../../src/slack/errors.js'
import { VERIFY_CODES } from '../../src/verify/errors.js'
import { JWT_CODES } from '../../src/verify/jwt-errors.js'
import { TLS_CODES } from '../../src/verify/tls-errors.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const catalogue: Record<string, readonly string[]> = {
  verify: VERIFY_CODES,
  jwt: JWT_CODES,
  tls: TLS_CODES,
  slack: DECODE_CODES,
  http: HTTP_CODES,
  config: CONFIG_CODES,
  replay: REPLAY_CODES,
  dispatch: DISPATCH_CODES,
  policy: POLICY_CODES,
  audit: AUDIT_CODES,
}
const all = Object.values(catalogue).flat()

function testSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? testSources(join(dir, e.name)) : e.name.endsWith('.test.ts') && e.name !== 'error-codes.test.ts' ? readFileSync(join(dir, e.name), 'utf8') : ''))
    .join('\n')
}

describe('reason codes', () => {
  it('are unique across the whole gateway', () => {
    expect(new Set(all).size).toBe(all.length)
  })

  it('are short snake_case', () => {
    for (const code of all) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
  })

  it.each(all)('%s is documented in docs/reason-codes.md', (code) => {
    const reference = readFileSync(join(root, 'docs', 'reason-codes.md'), 'utf8')
    // A row of the table, not a mention in passing: `| \`code\` | status | meaning |`.
    expect(reference).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'))
  })

  it.each(all)('%s is produced by a test', (code) => {
    const tests = testSources(join(root, 'test'))
    expect(tests).toMatch(new RegExp(`['"\`]${code}['"\`]|error":"${code}"`))
  })
})

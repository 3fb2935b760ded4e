import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ALL_REASON_CODES as all } from '../helpers/reason-catalogue.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

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

  // That each code is produced by a test is observed, not looked for in test sources: every
  // passing assertion that names a code records it (test/helpers/record-reasons.setup.ts),
  // and a whole-suite run fails at its end on a code that none observed (test/global-setup.ts).
})

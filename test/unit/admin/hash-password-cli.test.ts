import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { verifyPassword } from '../../../src/admin/security/password.js'
import { CLI, runCli } from '../../helpers/cli.js'

// `slackgate admin hash-password` run as the built CLI, its password piped in.

const PASSWORD = 'Tr0ub4dor&3-horse-staple'
const ENCODED = /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/

describe('slackgate admin hash-password', () => {
  it('prints only a hash of the piped password, which verifies, and a hint on stderr', async () => {
    const r = runCli(['admin', 'hash-password'], { input: `${PASSWORD}\nsecond line ignored\n` })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^scrypt\$[^\n]+\n$/)
    const encoded = r.stdout.trim()
    expect(encoded).toMatch(ENCODED)
    expect(await verifyPassword(PASSWORD, encoded)).toBe(true)
    expect(r.stderr).toContain('passwordHash')
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('reads a last line without a newline, and a CRLF line without its CR', async () => {
    const bare = runCli(['admin', 'hash-password'], { input: PASSWORD })
    expect(bare.status).toBe(0)
    expect(await verifyPassword(PASSWORD, bare.stdout.trim())).toBe(true)
    const crlf = runCli(['admin', 'hash-password'], { input: `${PASSWORD}\r\n` })
    expect(crlf.status).toBe(0)
    expect(await verifyPassword(PASSWORD, crlf.stdout.trim())).toBe(true)
  })

  it.each([
    ['a short password', 'short-pw-11'],
    ['an empty input', ''],
  ])('exits 2 on %s, printing no hash and never the password', (_what, input) => {
    const r = runCli(['admin', 'hash-password'], { input: `${input}\n` })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/at least 12 characters/)
    if (input !== '') expect(r.stderr).not.toContain(input)
  })

  it('loads none of the server or the stores', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-admin-cli-'))
    const file = join(dir, 'imports.txt')
    writeFileSync(file, '')
    const recorder = fileURLToPath(new URL('../../helpers/record-imports.mjs', import.meta.url))
    const r = spawnSync(process.execPath, ['--import', recorder, CLI, 'admin', 'hash-password'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RECORD_IMPORTS_FILE: file },
      input: `${PASSWORD}\n`,
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(r.status).toBe(0)
    const modules = readFileSync(file, 'utf8').split('\n')
    expect(modules.some((m) => m.endsWith('/dist/cli/admin.js'))).toBe(true)
    expect(modules.filter((m) => /\/node_modules\/(fastify|@fastify\/[^/]+|bullmq|ioredis|pg|better-sqlite3|pino|prom-client|zod|yaml)\//.test(m))).toEqual([])
  })
})

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CLI } from '../helpers/cli.js'
import { SECRET } from '../helpers/signing.js'

const RECORDER = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url))
// The server side: none of it is needed to sign, verify or read a policy.
const HEAVY = /\/node_modules\/(fastify|@fastify\/[^/]+|bullmq|ioredis|pg|pg-[^/]+|better-sqlite3|pino|prom-client|tsx)\//

const dir = mkdtempSync(join(tmpdir(), 'slackgate-startup-'))
const config = join(dir, 'slackgate.yaml')
writeFileSync(
  config,
  'routes:\n  - { name: deploy, match: { command: /deploy }, forward: { url: "http://127.0.0.1:9/d" }, access: { rules: [{ name: ops, users: [U0000000001] }] } }\n',
)

/** Runs the built CLI and returns every module URL it resolved. */
function importsOf(args: string[], input?: string): { status: number | null; modules: string[] } {
  const file = join(dir, `imports-${args.join('-').replace(/[^a-z0-9-]/gi, '_')}.txt`)
  writeFileSync(file, '')
  const r = spawnSync(process.execPath, ['--import', RECORDER, CLI, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SLACK_SIGNING_SECRET: SECRET, RECORD_IMPORTS_FILE: file },
    cwd: dir,
    input,
    encoding: 'utf8',
    timeout: 15_000,
  })
  return { status: r.status, modules: readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') }
}

describe('the CLI loads only what a command needs', () => {
  it('sign loads none of the server, the stores or the config parser', () => {
    const { status, modules } = importsOf(['sign', '--command', '/deploy'])
    expect(status).toBe(0)
    // The recorder does see the modules it should: the CLI's own files.
    expect(modules.some((m) => m.endsWith('/dist/cli/sign.js'))).toBe(true)
    expect(modules.filter((m) => HEAVY.test(m) || /\/node_modules\/(zod|yaml|jose|ajv)\//.test(m))).toEqual([])
  })

  it('verify loads none of the server or the stores', () => {
    const signed = spawnSync(process.execPath, [CLI, 'sign', '--command', '/deploy', '--format', 'http'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SLACK_SIGNING_SECRET: SECRET },
      encoding: 'utf8',
    })
    const { status, modules } = importsOf(['verify', '--request', '-'], signed.stdout)
    expect(status).toBe(0)
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([])
  })

  it.each([
    [['policy', 'lint', '--config', config]],
    [['policy', 'explain', '--config', config, '--route', 'deploy', '--user', 'U0000000001']],
  ])('%j loads none of the server or the stores', (args) => {
    const { status, modules } = importsOf(args)
    expect(status).toBe(0)
    expect(modules.some((m) => m.endsWith('/dist/config/load.js'))).toBe(true)
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([])
  })
})

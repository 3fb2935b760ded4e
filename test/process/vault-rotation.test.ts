import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { masterKeyId } from '../../src/vault/envelope.js'
import type { Installation } from '../../src/vault/installation.js'
import { VAULT_KEY_FILE } from '../../src/vault/master-key.js'
import { runCli, startGateway as startCliGateway, type CliResult } from '../helpers/cli.js'
import { SECRET } from '../helpers/signing.js'
import { installation, tokens } from '../contract/installation-store.contract.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const GATEWAY = fileURLToPath(new URL('../fixtures/vault-gateway.ts', import.meta.url))
const children: ChildProcess[] = []
/** Everything every process printed: scanned for secrets at the end. */
const printed: string[] = []
/** Every secret of the run: tokens, refresh tokens, master keys. */
const secrets: string[] = []

afterAll(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

const sha = (text: string | undefined) => (text === undefined ? undefined : createHash('sha256').update(text).digest('hex'))

/** A gateway process over the vault; `ask` sends one request and resolves with its reply. */
async function startGateway(configFile: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', GATEWAY, configFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SLACK_SIGNING_SECRET: SECRET, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let seen = 0
  const waiters: Array<(line: string) => void> = []
  const onData = (c: Buffer) => {
    out += c.toString()
    for (let at = out.indexOf('\n', seen); at !== -1; at = out.indexOf('\n', seen)) {
      const line = out.slice(seen, at)
      seen = at + 1
      if (line.startsWith('reply ')) waiters.shift()?.(line.slice('reply '.length))
      if (line === 'ready') waiters.shift()?.('ready')
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiters.push(resolve)
      void exited.then((code) => reject(new Error(`gateway exited (${code}):\n${out}`)))
    })
  await next()
  return {
    output: () => out,
    async ask(request: unknown): Promise<{ ok: boolean; code?: string; bot?: string; user?: string; botRefresh?: string; userRefresh?: string }> {
      const answer = next()
      child.stdin?.write(`${JSON.stringify(request)}\n`)
      return JSON.parse(await answer) as { ok: boolean }
    },
    async close() {
      await this.ask({ op: 'close' })
      child.stdin?.end()
      await exited
      printed.push(out)
    },
  }
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = runCli(args, { cwd, env: { SLACK_SIGNING_SECRET: SECRET, ...env } })
  printed.push(r.stdout, r.stderr)
  return r
}

const hashes = (i: Installation) => ({ bot: sha(i.bot?.token), botRefresh: sha(i.bot?.refreshToken), user: sha(i.user?.token), userRefresh: sha(i.user?.refreshToken) })

describe('the token vault in a running gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slackgate-vault-run-'))
  const config = join(dir, 'slackgate.yaml')
  writeFileSync(config, 'dataDir: ./data\nlog: { level: debug }\nvault: { store: sqlite }\n')
  const keyFile = join(dir, 'data', VAULT_KEY_FILE)
  const saved = ['T1', 'T2'].map((id) => installation(id, tokens(`run${id}`)))
  for (const i of saved) secrets.push(i.bot?.token as string, i.bot?.refreshToken as string, i.user?.token as string, i.user?.refreshToken as string)

  it('start refuses without a master key, naming the fix; keys vault-init makes one (0600), once', () => {
    const refused = cli(['start', '--config', config], dir, { PORT: '0' })
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('vault_key_missing')
    expect(refused.stderr).toContain('slackgate keys vault-init')

    const made = cli(['keys', 'vault-init', '--config', config], dir)
    expect(made.status).toBe(0)
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')
    secrets.push(key.toString('base64'), key.toString('hex'))
    expect(key.length).toBe(32)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(made.stdout).toContain(`master key ${masterKeyId(key)} written to ${keyFile}`)
    const again = cli(['keys', 'vault-init', '--config', config], dir)
    expect(again.stdout).toContain(`kept the existing master key ${masterKeyId(key)}`)
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').equals(key)).toBe(true)
  })

  it('rewrap while the gateway runs: every token stays readable there, and after a restart with the new key only', async () => {
    const running = await startGateway(config)
    for (const i of saved) expect(await running.ask({ op: 'save', installation: i })).toEqual({ ok: true })
    for (const i of saved) expect(await running.ask({ op: 'get', key: i.key })).toEqual({ ok: true, ...hashes(i) })
    const oldKey = readFileSync(keyFile, 'utf8').trim()

    const rewrapped = cli(['vault', 'rewrap', '--config', config], dir)
    expect(rewrapped.stderr).toBe('')
    expect(rewrapped.status).toBe(0)
    const newKey = readFileSync(keyFile, 'utf8').trim()
    secrets.push(newKey, Buffer.from(newKey, 'base64').toString('hex'))
    expect(newKey).not.toBe(oldKey)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(existsSync(`${keyFile}.new`)).toBe(false)
    expect(rewrapped.stdout).toContain(`master key ${masterKeyId(Buffer.from(oldKey, 'base64'))} -> ${masterKeyId(Buffer.from(newKey, 'base64'))}`)

    // The running gateway reads every token and stores new ones.
    for (const i of saved) expect(await running.ask({ op: 'get', key: i.key })).toEqual({ ok: true, ...hashes(i) })
    const later = installation('T3', tokens('runT3'))
    secrets.push(later.bot?.token as string, later.user?.refreshToken as string)
    expect(await running.ask({ op: 'save', installation: later })).toEqual({ ok: true })
    await running.close()

    const restarted = await startGateway(config)
    for (const i of [...saved, later]) expect(await restarted.ask({ op: 'get', key: i.key })).toEqual({ ok: true, ...hashes(i) })
    await restarted.close()
  }, 60_000)

  it('rewrap to a key given by reference; the wrong key is refused by its id at start', async () => {
    const next = randomBytes(32).toString('base64')
    const wrong = randomBytes(32).toString('base64')
    secrets.push(next, wrong, Buffer.from(next, 'base64').toString('hex'))
    const rewrapped = cli(['vault', 'rewrap', '--config', config, '--new-key-ref', 'env:NEXT_MASTER_KEY'], dir, { NEXT_MASTER_KEY: next })
    expect(rewrapped.status).toBe(0)
    expect(rewrapped.stdout).toContain('set vault.masterKey: { ref: env:NEXT_MASTER_KEY }')

    const byRef = join(dir, 'by-ref.yaml')
    writeFileSync(byRef, 'dataDir: ./data\nlog: { level: debug }\nvault: { masterKey: { ref: env:SLACKGATE_MASTER_KEY } }\n')
    const refused = cli(['start', '--config', byRef], dir, { PORT: '0', SLACKGATE_MASTER_KEY: wrong })
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('vault_key_mismatch')
    expect(refused.stderr).toContain(masterKeyId(Buffer.from(next, 'base64')))
    // The old key file no longer opens it either.
    const stale = cli(['start', '--config', config], dir, { PORT: '0' })
    expect(stale.status).toBe(2)
    expect(stale.stderr).toContain('vault_key_mismatch')
    // With the key file gone, vault-init does not make a key that could never open the vault.
    const oldFile = readFileSync(keyFile)
    unlinkSync(keyFile)
    const init = cli(['keys', 'vault-init', '--config', config], dir)
    expect(init.status).toBe(2)
    expect(init.stderr).toContain(`the vault already holds installations under master key ${masterKeyId(Buffer.from(next, 'base64'))}`)
    expect(existsSync(keyFile)).toBe(false)
    writeFileSync(keyFile, oldFile, { mode: 0o600 })

    const malformed = cli(['start', '--config', byRef], dir, { PORT: '0', SLACKGATE_MASTER_KEY: 'c2hvcnQ=' })
    expect(malformed.status).toBe(2)
    expect(malformed.stderr).toContain('vault.masterKey.ref: must be 32 bytes in base64')

    const gateway = await startGateway(byRef, { SLACKGATE_MASTER_KEY: next })
    for (const i of saved) expect(await gateway.ask({ op: 'get', key: i.key })).toEqual({ ok: true, ...hashes(i) })
    // T1's sealed bot token moved into T2's row, behind the gateway's back: refused, and logged.
    const db = new Database(join(dir, 'data', 'slackgate.db'))
    db.prepare("UPDATE vault_installations SET bot_token = (SELECT bot_token FROM vault_installations WHERE key = 'team:T1') WHERE key = 'team:T2'").run()
    db.close()
    expect(await gateway.ask({ op: 'get', key: 'team:T2' })).toMatchObject({ ok: false, code: 'token_decrypt_failed' })
    await gateway.close()
    expect(gateway.output()).toContain('"level":50')
    expect(gateway.output()).toContain('the bot.token of team:T2 does not open')
  }, 60_000)

  it('installations list shows workspace, scopes, installer, install time and expiry, never a token', () => {
    const table = cli(['installations', 'list', '--config', config], dir)
    expect(table.status).toBe(0)
    expect(table.stdout).toMatch(/^KEY\s+WORKSPACE\s+ENTERPRISE\s+SCOPES\s+INSTALLER\s+INSTALLED\s+TOKEN EXPIRY\s+ORIGIN/)
    expect(table.stdout).toMatch(/team:T1\s+Team T1 \(T1\)\s+chat:write,commands,user:search:read\s+U0INSTALLER\s+2027-01-15T08:00:00Z\s+2027-01-15T20:00:00Z\s+oauth/)
    const json = cli(['installations', 'list', '--json', '--config', config], dir)
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows.map((r) => r.key)).toEqual(['team:T1', 'team:T2', 'team:T3'])
    expect(rows[0]).toMatchObject({ teamId: 'T1', botScopes: ['chat:write', 'commands'], userScopes: ['search:read'], installerUserId: 'U0INSTALLER', botExpiresAt: 1_800_043_200, rotating: true, hasBotToken: true })
    const usage = cli(['installations', 'list', '--bogus', '--config', config], dir)
    expect(usage.status).toBe(2)
  })

  it('dev makes the key file when it is missing (start never does), and the vault opens with it', async () => {
    const devDir = mkdtempSync(join(tmpdir(), 'slackgate-vault-dev-'))
    writeFileSync(join(devDir, 'slackgate.yaml'), 'dataDir: ./data\nvault: { store: sqlite }\n')
    const devKey = join(devDir, 'data', VAULT_KEY_FILE)
    const refused = cli(['start', '--config', join(devDir, 'slackgate.yaml')], devDir, { PORT: '0' })
    expect(refused.stderr).toContain('vault_key_missing')
    expect(existsSync(devKey)).toBe(false)
    const dev = await startCliGateway('dev', { cwd: devDir, args: ['--config', join(devDir, 'slackgate.yaml')] })
    const ready = await fetch(`${dev.url}/readyz`)
    await dev.stop()
    printed.push(dev.output())
    expect(dev.output()).toContain(`Development vault master key generated in ${devKey}`)
    expect(statSync(devKey).mode & 0o777).toBe(0o600)
    secrets.push(readFileSync(devKey, 'utf8').trim())
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ checks: { vault: 'ok' } })
  }, 30_000)

  it('two gateways with data directories of their own share one vault file (it takes no process lock)', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'slackgate-vault-shared-'))
    const master = randomBytes(32).toString('base64')
    secrets.push(master)
    const configs = ['a', 'b'].map((name) => {
      const file = join(shared, `${name}.yaml`)
      writeFileSync(file, `dataDir: ./${name}\nvault: { store: "sqlite:./vault.db", masterKey: { ref: env:SLACKGATE_MASTER_KEY } }\n`)
      return file
    })
    const [a, b] = await Promise.all(configs.map((file) => startGateway(file, { SLACKGATE_MASTER_KEY: master })))
    const i = installation('T7', tokens('shared'))
    secrets.push(i.bot?.token as string)
    expect(await a?.ask({ op: 'save', installation: i })).toEqual({ ok: true })
    expect(await b?.ask({ op: 'get', key: i.key })).toEqual({ ok: true, ...hashes(i) })
    // The vault's file, its WAL and shared memory are the owner's alone.
    for (const file of ['vault.db', 'vault.db-wal', 'vault.db-shm']) expect(statSync(join(shared, file)).mode & 0o777).toBe(0o600)
    await a?.close()
    await b?.close()
  }, 30_000)

  it('no token, refresh token or master key appears in any log line, error or CLI output of the run', () => {
    expect(printed.join('').length).toBeGreaterThan(1000)
    const text = printed.join('\n')
    for (const secret of secrets) {
      for (const form of new Set([secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')])) {
        expect(text.includes(form), `a secret (${secret.slice(0, 5)}…) was printed`).toBe(false)
      }
    }
  })
})

import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureKeyFile, KEY_FILE, readKeyFile } from '../../src/keys/key-file.js'
import { runCli } from '../helpers/cli.js'
import { SECRET } from '../helpers/signing.js'

describe('slackgate keys', () => {
  it('rotate adds a signer, keeps the previous key published for the grace period, and list shows both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-keys-'))
    const file = join(dir, 'data', KEY_FILE)
    const [first] = await ensureKeyFile(file, 'EdDSA', new Date())
    writeFileSync(join(dir, 'slackgate.yaml'), 'tokens: { rotationGraceSeconds: 3600 }\n')

    const rotated = runCli(['keys', 'rotate', '--config', join(dir, 'slackgate.yaml')], { cwd: dir })
    expect(rotated.stderr).toBe('')
    expect(rotated.status).toBe(0)
    const keys = readKeyFile(file) ?? []
    expect(keys).toHaveLength(2)
    const [old, added] = keys
    expect(old?.kid).toBe(first?.kid)
    expect(Date.parse(old?.retireAt ?? '') - Date.now()).toBeGreaterThan(3500_000)
    expect(added?.retireAt).toBeUndefined()
    expect(rotated.stdout).toContain(`signing with ${added?.kid} (EdDSA)`)
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const listed = runCli(['keys', 'list', '--config', join(dir, 'slackgate.yaml')], { cwd: dir })
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`${added?.kid}\\s+EdDSA.*signing`))
    expect(listed.stdout).toMatch(new RegExp(`${old?.kid}\\s+EdDSA.*published until`))
    // Nothing private is ever printed.
    expect(listed.stdout + rotated.stdout).not.toContain(String(added?.jwk.d))
  })

  it('start refuses a malformed supplied key by its config key, and prints none of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-keys-'))
    const key = '{"kty":"OKP","crv":"Ed25519","d":bm90LWEta2V5LWJ1dC1zZWNyZXQtYWxsLXRoZS1zYW1l,"x":"AAAA"}'
    writeFileSync(join(dir, 'gateway.key'), key)
    writeFileSync(join(dir, 'slackgate.yaml'), 'tokens: { keys: [{ ref: file:./gateway.key }] }\n')
    const r = runCli(['start', '--config', join(dir, 'slackgate.yaml')], { cwd: dir, env: { SLACK_SIGNING_SECRET: SECRET, PORT: '0' } })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('tokens.keys[0].ref: is not a private key')
    const output = r.stdout + r.stderr
    const echoed = Array.from({ length: key.length - 3 }, (_, i) => key.slice(i, i + 4)).filter((piece) => output.includes(piece))
    expect(echoed).toEqual([])
  })

  it('rotate refuses when the config supplies the keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackgate-keys-'))
    writeFileSync(join(dir, 'slackgate.yaml'), 'tokens: { keys: [{ ref: file:./gateway.pem }] }\n')
    const r = runCli(['keys', 'rotate', '--config', join(dir, 'slackgate.yaml')], { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('tokens.keys supplies the signing keys')
  })
})

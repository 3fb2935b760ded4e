import { randomBytes, scryptSync } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/admin/security/password.js'
import { adminOrigin, adminSchema } from '../../../src/config/admin-schema.js'
import { configSchema } from '../../../src/config/schema.js'
import { problemsOf } from '../../helpers/config-error.js'
import { loadYaml } from '../../helpers/config-file.js'

let hash: string
beforeAll(async () => {
  hash = await hashPassword('correct horse battery staple')
})

const yaml = (users: string, extra = '  origin: https://gateway.example.com\n') => `admin:\n${extra}  users:\n${users}`
const user = (passwordHash: string, name = 'alice') => `    - { name: ${name}, role: operator, passwordHash: "${passwordHash}" }\n`

/** A well-formed encoding with a parameter below OWASP's minimum. */
function weakHash(): string {
  const salt = randomBytes(16)
  const key = scryptSync('correct horse battery staple', salt, 32, { N: 2 ** 14, r: 8, p: 1 })
  return `scrypt$14$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`
}

describe('admin config', () => {
  it('loads a valid section, with safe defaults', () => {
    expect(() => loadYaml(yaml(user(hash)))).not.toThrow()
    const parsed = configSchema.parse({ admin: { origin: 'https://gateway.example.com/', users: [{ name: 'alice', passwordHash: hash }] } })
    expect(parsed.admin).toEqual({
      origin: 'https://gateway.example.com',
      users: [{ name: 'alice', passwordHash: hash, role: 'viewer' }],
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 8,
      trustedProxies: [],
    })
  })

  it('is absent unless configured', () => {
    expect(configSchema.parse({}).admin).toBeUndefined()
  })

  it.each([
    ['a weak hash', weakHash],
    ['an unparsable hash', () => 'scrypt$17$8$1$not-base64$nope'],
    ['a plain password', () => 'correct horse battery staple'],
  ])('refuses %s, naming admin.users[0].passwordHash and never quoting it', (_what, make) => {
    const value = make()
    const problems = problemsOf(() => loadYaml(yaml(user(value))), 'invalid_config')
    expect(problems).toEqual([{ key: 'admin.users[0].passwordHash', message: expect.any(String) }])
    expect(problems[0]?.message).not.toContain(value)
    expect(problems[0]?.message).not.toContain(value.split('$').at(-1))
  })

  it('names the second user when the second hash is weak', () => {
    const problems = problemsOf(() => loadYaml(yaml(user(hash) + user(weakHash(), 'bob'))), 'invalid_config')
    expect(problems.map((p) => p.key)).toEqual(['admin.users[1].passwordHash'])
    expect(problems[0]?.message).toMatch(/N=2\^17, r=8, p=1/)
  })

  it('refuses no users, and a duplicate or non-lowercase name', () => {
    expect(problemsOf(() => loadYaml('admin:\n  origin: https://gateway.example.com\n  users: []\n'), 'invalid_config').map((p) => p.key)).toEqual(['admin.users'])
    expect(problemsOf(() => loadYaml('admin:\n  origin: https://gateway.example.com\n'), 'invalid_config').map((p) => p.key)).toEqual(['admin.users'])
    expect(problemsOf(() => loadYaml(yaml(user(hash) + user(hash))), 'invalid_config').map((p) => p.key)).toEqual(['admin.users[1].name'])
    expect(problemsOf(() => loadYaml(yaml(user(hash, 'Alice'))), 'invalid_config').map((p) => p.key)).toEqual(['admin.users[0].name'])
  })

  it('takes trusted proxies as addresses or ranges, never every address', () => {
    expect(() => loadYaml(`${yaml(user(hash))}  trustedProxies: [10.0.0.0/8, "2001:db8::1"]\n`)).not.toThrow()
    const problems = problemsOf(() => loadYaml(`${yaml(user(hash))}  trustedProxies: [0.0.0.0/0, proxy.internal]\n`), 'invalid_config')
    expect(problems.map((p) => [p.key, p.message])).toEqual([
      ['admin.trustedProxies[0]', expect.stringContaining('trusts every address')],
      ['admin.trustedProxies[1]', expect.stringContaining('IPv4 or IPv6 address')],
    ])
  })

  it('bounds the session timeouts', () => {
    const problems = problemsOf(() => loadYaml(`${yaml(user(hash))}  sessionIdleMinutes: 61\n  sessionAbsoluteHours: 25\n`), 'invalid_config')
    expect(problems.map((p) => p.key)).toEqual(['admin.sessionIdleMinutes', 'admin.sessionAbsoluteHours'])
  })

  it('takes an https origin, or http only on loopback, and an origin only', () => {
    const keysOf = (origin: string) => problemsOf(() => loadYaml(yaml(user(hash), `  origin: "${origin}"\n`)), 'invalid_config').map((p) => p.key)
    expect(keysOf('http://gateway.example.com')).toEqual(['admin.origin'])
    expect(keysOf('https://gateway.example.com/admin')).toEqual(['admin.origin'])
    expect(keysOf('https://user@gateway.example.com')).toEqual(['admin.origin'])
    expect(() => loadYaml(yaml(user(hash), '  origin: http://127.0.0.1:8081\n'))).not.toThrow()
  })

  it('needs an origin unless the console listens on a fixed loopback port, whose origin it then is', () => {
    expect(problemsOf(() => loadYaml(yaml(user(hash), '')), 'invalid_config').map((p) => p.key)).toEqual(['admin.origin'])
    expect(problemsOf(() => loadYaml(yaml(user(hash), '  listen: { host: 0.0.0.0, port: 8081 }\n')), 'invalid_config').map((p) => p.key)).toEqual(['admin.origin'])
    expect(problemsOf(() => loadYaml(yaml(user(hash), '  listen: { port: 0 }\n')), 'invalid_config').map((p) => p.key)).toEqual(['admin.origin'])
    const local = adminSchema.parse({ listen: { port: 8081 }, users: [{ name: 'alice', passwordHash: hash }] })
    expect(adminOrigin(local)).toBe('http://127.0.0.1:8081')
    expect(adminOrigin(adminSchema.parse({ listen: { host: '::1', port: 8081 }, users: [{ name: 'alice', passwordHash: hash }] }))).toBe('http://[::1]:8081')
    expect(adminOrigin(adminSchema.parse({ origin: 'https://gateway.example.com', users: [{ name: 'alice', passwordHash: hash }] }))).toBe('https://gateway.example.com')
  })
})

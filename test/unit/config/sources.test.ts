import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.js'
import { NOW, SECRET } from '../../helpers/signing.js'
import { problemsOf } from '../../helpers/config-error.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slackgate-sources-'))
})

function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, 'slackgate.yaml')
  writeFileSync(file, yaml)
  return loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET, GH: 'github-secret-0123456789', SW: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ...env }, now: NOW })
}

const route = (source: string, extra = '    public: true\n') => `routes:\n  - name: r\n    match: { hook: ${source} }\n    forward: { url: http://svc.internal/h }\n${extra}`

describe('webhook sources in config', () => {
  it('resolves presets and a generic source, with their secrets as key objects', () => {
    const config = load(`sources:
  - { name: github, preset: github, secrets: [{ ref: env:GH }] }
  - { name: svix, preset: standard-webhooks, secrets: [{ ref: env:SW }], toleranceSeconds: 120 }
  - name: acme
    preset: generic
    secrets: [{ ref: env:GH }, { ref: env:GH, notAfter: "2027-01-01T00:00:00Z" }]
    signature: { header: X-Acme-Signature, prefix: "sha512=", algorithm: sha512, encoding: base64 }
    basestring: "{timestamp}.{body}"
    timestampHeader: X-Acme-Timestamp
${route('github')}`)
    expect(config.sources.map((s) => [s.name, s.scheme.preset, s.secrets.length, s.toleranceSeconds])).toEqual([
      ['github', 'github', 1, 300],
      ['svix', 'standard-webhooks', 1, 120],
      ['acme', 'generic', 2, 300],
    ])
    expect(config.sources[2]?.secrets[1]?.notAfter).toBe(Date.parse('2027-01-01T00:00:00Z') / 1000)
    expect(JSON.stringify(config)).not.toContain('github-secret-0123456789')
  })

  it.each([
    ['a generic source without a signature', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }] }\n', 'sources[0].signature', /needs signature/],
    ['sha1 without insecure', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig, algorithm: sha1 } }\n', 'sources[0].signature', /insecure: true/],
    ['a basestring without {body}', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig }, basestring: "{timestamp}" , timestampHeader: x-ts }\n', 'sources[0].basestring', /\{body\} exactly once/],
    ['{timestamp} without its header', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig }, basestring: "{timestamp}.{body}" }\n', 'sources[0].basestring', /timestampHeader/],
    ['an unknown placeholder', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig }, basestring: "{secret}{body}" }\n', 'sources[0].basestring', /only \{body\}/],
    ['generic settings on a preset', 'sources:\n  - { name: a, preset: github, secrets: [{ ref: env:GH }], basestring: "{body}" }\n', 'sources[0].basestring', /preset fixes it/],
    ['a literal secret', 'sources:\n  - { name: a, preset: github, secrets: [{ ref: "hunter2" }] }\n', 'sources[0].secrets[0].ref', /secret reference/],
    ['a bare string where { ref } belongs', 'sources:\n  - { name: a, preset: github, secrets: [hunter2] }\n', 'sources[0].secrets[0]', /write \{ ref: env:NAME \}/],
    ['a preset: slack secret shorter than a Slack signing secret', 'sources:\n  - { name: a, preset: slack, secrets: [{ ref: env:GH }] }\n', 'sources[0].secrets[0].ref', /shorter than a Slack signing secret \(32 characters\)/],
    ['two sources with one name', 'sources:\n  - { name: a, preset: github, secrets: [{ ref: env:GH }] }\n  - { name: a, preset: stripe, secrets: [{ ref: env:GH }] }\n', 'sources[1].name', /duplicate source/],
    ['a hook route for no source', route('nope'), 'routes[0].match.hook', /no source named nope/],
    ['a timestampHeader the basestring does not sign', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig }, timestampHeader: x-ts }\n', 'sources[0].timestampHeader', /is not signed: put \{timestamp\} in the basestring/],
    ['an idHeader the basestring does not sign', 'sources:\n  - { name: a, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig }, basestring: "{timestamp}.{body}", timestampHeader: x-ts, idHeader: x-id }\n', 'sources[0].idHeader', /is not signed: put \{id\} in the basestring/],
    ['a dedupe lifetime shorter than twice the tolerance', 'sources:\n  - { name: a, preset: stripe, secrets: [{ ref: env:GH }], toleranceSeconds: 600, dedupeSeconds: 1199 }\n', 'sources[0].dedupeSeconds', /at least twice toleranceSeconds \(1200\)/],
    ['access rules on a hook route', `sources:\n  - { name: a, preset: github, secrets: [{ ref: env:GH }] }\n${route('a', '    access: { rules: [{ name: x, users: [U1] }] }\n')}`, 'routes[0].access', /say public: true/],
  ])('refuses %s', (_name, yaml, key, message) => {
    expect(problemsOf(() => load(yaml))).toContainEqual({ key, message: expect.stringMatching(message) })
  })

  it('takes a short preset: slack secret only where the config allows short Slack secrets (tests)', () => {
    const config = load('slack: { allowShortSigningSecret: true }\nsources:\n  - { name: a, preset: slack, secrets: [{ ref: env:GH }] }\n')
    expect(config.sources.map((s) => s.name)).toEqual(['a'])
    expect(JSON.stringify(problemsOf(() => load('sources:\n  - { name: a, preset: github, secrets: [hunter2] }\n')))).not.toContain('hunter2')
  })

  it('remembers each source past its sender\'s retry horizon by default, and never less than twice its tolerance', () => {
    const config = load(`sources:
  - { name: slack, preset: slack, secrets: [{ ref: env:SLACK_SIGNING_SECRET }] }
  - { name: github, preset: github, secrets: [{ ref: env:GH }] }
  - { name: stripe, preset: stripe, secrets: [{ ref: env:GH }] }
  - { name: svix, preset: standard-webhooks, secrets: [{ ref: env:SW }] }
  - { name: acme, preset: generic, secrets: [{ ref: env:GH }], signature: { header: x-sig } }
  - { name: slow, preset: slack, secrets: [{ ref: env:SLACK_SIGNING_SECRET }], toleranceSeconds: 3600 }
  - { name: set, preset: github, secrets: [{ ref: env:GH }], dedupeSeconds: 600 }
${route('github')}`)
    const day = 86_400
    expect(config.sources.map((s) => [s.name, s.dedupeSeconds])).toEqual([
      ['slack', 3600],
      ['github', 8 * day],
      ['stripe', 4 * day],
      ['svix', 3 * day],
      ['acme', 3 * day],
      ['slow', 7200],
      ['set', 600],
    ])
  })

  it('takes access rules on a route of a Slack source (it carries a Slack identity), as on /slack/*', () => {
    const config = load(`sources:\n  - { name: app2, preset: slack, secrets: [{ ref: env:SLACK_SIGNING_SECRET }] }\n${route('app2', '    access: { rules: [{ name: ops, users: [U0001] }] }\n')}`)
    expect(config.routes[0]?.access?.rules[0]?.name).toBe('ops')
  })

  it.each([
    ['a short secret', { GH: 'short' }, 'sources[0].secrets[0].ref', /at least 16 bytes/],
    ['a Standard Webhooks secret that is not whsec_ base64', { SW: 'whsec_***not base64***' }, 'sources[1].secrets[0].ref', /whsec_ followed by base64/],
    ['an unset variable', { GH: '' }, 'sources[0].secrets[0].ref', /is empty/],
  ])('refuses %s, naming the key and never the value', (_name, env, key, message) => {
    const problems = problemsOf(() => load('sources:\n  - { name: gh, preset: github, secrets: [{ ref: env:GH }] }\n  - { name: sw, preset: standard-webhooks, secrets: [{ ref: env:SW }] }\n', env))
    expect(problems).toContainEqual({ key, message: expect.stringMatching(message) })
    expect(JSON.stringify(problems)).not.toContain('***not base64***')
  })
})

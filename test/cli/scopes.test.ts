import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'slackgate-scopes-cli-'))

function config(name: string, scopes: string, routes = ''): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `slack:
  clientId: "1111111111.2222222222"
  clientSecret: { ref: env:CLIENT_SECRET }
install:
  redirectUrl: https://gw.example.com/slack/oauth_redirect
  scopes: ${scopes}
routes:
  - { name: deploy, match: { command: /deploy }, forward: { url: "http://127.0.0.1:9/d" }, public: true }
${routes}`,
  )
  return file
}

const lint = (file: string, ...args: string[]) => runCli(['scopes', 'lint', '--config', file, ...args])

describe('slackgate scopes lint', () => {
  const broad = config('broad.yaml', '{ bot: [commands, "chat:write", "admin.users:read", "channels:history", "im:history"], user: ["admin"] }')

  it('reports admin scopes, write scopes while every route only reads, history scopes no message route needs', () => {
    const out = lint(broad, '--json')
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    expect(out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).map((f) => [f.code, f.kind, f.scope])).toEqual([
      ['write_scope_unused', 'bot', 'chat:write'],
      ['admin_scope', 'bot', 'admin.users:read'],
      ['history_scope_unused', 'bot', 'channels:history'],
      ['history_scope_unused', 'bot', 'im:history'],
      ['admin_scope', 'user', 'admin'],
    ])
  })

  it('exits 1 on findings with --strict, and prints them as text', () => {
    const out = lint(broad, '--strict')
    expect(out.status).toBe(1)
    expect(out.stdout).toContain('warning: [admin_scope] bot scope admin.users:read: ')
  })

  it('takes write and history scopes a route needs: a handler writes, a message route reads history', () => {
    writeFileSync(join(dir, 'h.ts'), 'export default () => {}\n')
    const file = config(
      'needed.yaml',
      '{ bot: [commands, "chat:write", "channels:history"] }',
      '  - { name: msgs, match: { event: message }, handler: ./h.ts, public: true }\n',
    )
    const out = lint(file, '--strict')
    expect(out.stderr).toBe('')
    expect(out.stdout).toBe('3 bot and 0 user scope(s): no findings\n')
    expect(out.status).toBe(0)
  })

  it('a history scope is needed only by its own conversation kind', () => {
    const file = config('im.yaml', '{ bot: ["im:history", "channels:history"] }', '  - { name: dms, match: { event: message.im }, forward: { url: "http://127.0.0.1:9/m" }, public: true }\n')
    const out = lint(file, '--json')
    expect(out.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { scope: string }).scope)).toEqual(['channels:history'])
  })

  it('is a usage error (exit 2) without an install section, or with an unknown option', () => {
    const file = join(dir, 'none.yaml')
    writeFileSync(file, 'routes: []\n')
    const none = lint(file)
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('no install section')
    expect(lint(broad, '--bogus').status).toBe(2)
  })
})

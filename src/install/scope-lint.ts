import type { RouteConfig } from '../config/schema.js'

export interface ScopeFinding {
  readonly code: 'admin_scope' | 'write_scope_unused' | 'history_scope_unused'
  readonly kind: 'bot' | 'user'
  readonly scope: string
  readonly message: string
}

/** The history scopes, each with the message event subscription that needs it (https://api.slack.com/events/message). */
const HISTORY_SCOPES: ReadonlyMap<string, string> = new Map([
  ['channels:history', 'message.channels'],
  ['groups:history', 'message.groups'],
  ['im:history', 'message.im'],
  ['mpim:history', 'message.mpim'],
])

/**
 * Broad scopes among the declared ones (`slackgate scopes lint`):
 *
 * - `admin_scope`: `admin` and every `admin.*` scope act on the whole workspace or organisation.
 * - `write_scope_unused`: a `*:write` scope (and `chat:write.public`, `chat:write.customize`)
 *   while every route only reads. A route writes with the installation's token only through
 *   an SDK handler (its `client` and `say()`); a forwarded service never holds a token (it
 *   asks the gateway to act), and the gateway's own answers go to `response_url`, which needs
 *   no scope. So routes "only read" when none has a `handler`.
 * - `history_scope_unused`: `channels:history`, `groups:history`, `im:history`,
 *   `mpim:history` with no route matching the message events that need them (`message`, or
 *   its `message.channels`, `message.groups`, `message.im`, `message.mpim` subscription).
 *
 * @example
 * lintScopes({ bot: ['admin.users:read'], user: [] }, []) // [{ code: 'admin_scope', kind: 'bot', scope: 'admin.users:read', … }]
 */
export function lintScopes(scopes: { readonly bot: readonly string[]; readonly user: readonly string[] }, routes: readonly RouteConfig[]): ScopeFinding[] {
  const writes = routes.some((r) => r.handler !== undefined)
  const events = new Set(routes.map((r) => r.match.event).filter((e): e is string => e !== undefined))
  const findings: ScopeFinding[] = []
  for (const kind of ['bot', 'user'] as const) {
    for (const scope of scopes[kind]) {
      const add = (code: ScopeFinding['code'], message: string) => findings.push({ code, kind, scope, message })
      if (scope === 'admin' || scope.startsWith('admin.') || scope.startsWith('admin:')) {
        add('admin_scope', 'an admin scope acts on the whole workspace or organisation: grant it only to an app that administers it')
      } else if (/:write(\.[a-z_]+)?$/.test(scope) && !writes) {
        add('write_scope_unused', 'no route has a handler, the only way a route writes with the token: every route only reads')
      } else if (HISTORY_SCOPES.has(scope)) {
        const subscription = HISTORY_SCOPES.get(scope) as string
        if (!events.has('message') && !events.has(subscription)) add('history_scope_unused', `no route matches the message events that need it (event: message or ${subscription}): it reads every message of those conversations`)
      }
    }
  }
  return findings
}

/**
 * The granted scopes beyond the declared ones. Slack grants what the authorize URL asked
 * for, but an install can carry more: scopes an earlier install of the same app granted stay
 * granted, and the app's settings page can add scopes the gateway's config never declared.
 * The gateway then holds a token stronger than its operator chose: refused (`scopes_exceeded`).
 *
 * @example
 * excessScopes(['chat:write'], ['chat:write', 'channels:history']) // ['channels:history']
 */
export function excessScopes(declared: readonly string[], granted: readonly string[]): string[] {
  const allowed = new Set(declared)
  return [...new Set(granted)].filter((s) => !allowed.has(s))
}

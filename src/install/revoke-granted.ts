/**
 * Revokes, at Slack's `auth.revoke` (https://api.slack.com/methods/auth.revoke), the tokens an
 * install was granted and the gateway refused to keep (scopes beyond the declared ones, a
 * workspace install without state, a store that failed): not stored is not enough, since
 * Slack would still honour them. Best effort: the refusal stands whatever Slack answers, so
 * this never throws; it resolves with how many tokens Slack confirmed revoked.
 */
export async function revokeGranted(
  tokens: readonly string[],
  options: { readonly apiUrl: string; readonly fetch?: typeof fetch; readonly timeoutMs?: number },
): Promise<number> {
  const doFetch = options.fetch ?? fetch
  const results = await Promise.all(
    tokens.map(async (token) => {
      try {
        const res = await doFetch(`${options.apiUrl.replace(/\/+$/, '')}/auth.revoke`, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        })
        const body = (await res.json().catch(() => undefined)) as { ok?: unknown; revoked?: unknown } | undefined
        return res.status === 200 && body?.ok === true && body.revoked === true
      } catch {
        return false
      }
    }),
  )
  return results.filter(Boolean).length
}

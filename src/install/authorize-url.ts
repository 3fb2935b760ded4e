import type { InstallConfig } from '../config/install-schema.js'

/**
 * Slack's authorize URL for one install: the app's client id, exactly the declared scopes
 * (comma-separated, as Slack takes them), the registered redirect URL and the state.
 *
 * @example
 * authorizeUrl(install, '123.456', state)
 * // 'https://slack.com/oauth/v2/authorize?client_id=123.456&scope=commands%2Cchat%3Awrite&user_scope=&redirect_uri=…&state=v1.…'
 */
export function authorizeUrl(install: Pick<InstallConfig, 'authorizeUrl' | 'scopes' | 'redirectUrl'>, clientId: string, state: string): string {
  const url = new URL(install.authorizeUrl)
  url.searchParams.set('client_id', clientId)
  url.searchParams.set('scope', install.scopes.bot.join(','))
  url.searchParams.set('user_scope', install.scopes.user.join(','))
  url.searchParams.set('redirect_uri', install.redirectUrl)
  url.searchParams.set('state', state)
  return url.toString()
}

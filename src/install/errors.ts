/**
 * Reason codes of the OAuth install flow (`GET /slack/oauth_redirect`), each shown on the
 * error page the installer's browser gets. Nothing is stored on any of them. Stable: never
 * renamed or reused.
 */
export const INSTALL_CODES = [
  'state_missing',
  'cookie_missing',
  'state_invalid',
  'state_mismatch',
  'state_expired',
  'state_reused',
  'code_missing',
  'access_denied',
  'oauth_failed',
  'scopes_exceeded',
  'install_unavailable',
] as const

export type InstallCode = (typeof INSTALL_CODES)[number]

/** The HTTP status each refusal is answered with. */
export const INSTALL_STATUS: Readonly<Record<InstallCode, number>> = {
  state_missing: 400,
  cookie_missing: 400,
  state_invalid: 400,
  state_mismatch: 400,
  state_expired: 400,
  state_reused: 400,
  code_missing: 400,
  access_denied: 403,
  oauth_failed: 502,
  scopes_exceeded: 403,
  install_unavailable: 503,
}

/** What the error page tells the installer, by code: no detail from the request or Slack. */
export const INSTALL_MESSAGES: Readonly<Record<InstallCode, string>> = {
  state_missing: 'The answer from Slack carried no state. Start the installation again from the install page.',
  cookie_missing:
    'This browser holds no installation cookie: the installation was started in another browser, the cookie expired, or a proxy removed it. Start again from the install page in this browser.',
  state_invalid: 'The state in the answer from Slack was not issued by this gateway.',
  state_mismatch: 'The installation was started in another browser (the state does not match this browser). Start again from the install page in this browser.',
  state_expired: 'The installation took too long. Start again from the install page.',
  state_reused: 'This answer from Slack was already used. Start again from the install page.',
  code_missing: 'The answer from Slack carried no authorization code.',
  access_denied: 'The installation was cancelled in Slack. Nothing was installed.',
  oauth_failed: 'Slack did not confirm the installation. Start again from the install page.',
  scopes_exceeded: 'Slack granted more permissions (scopes) than this gateway declares. Nothing was installed; ask the administrator to check the app configuration.',
  install_unavailable: 'The gateway cannot store installations right now. Try again in a few minutes.',
}

import { z } from 'zod'
import { httpsOrLoopbackUrl } from './url-schema.js'

/** The install cookie's name unless configured: the `__Host-` prefix is what protects it. */
export const DEFAULT_INSTALL_COOKIE = '__Host-slackgate-install'

/** Where the callback is served; `install.redirectUrl` must end with it. */
export const INSTALL_CALLBACK_PATH = '/slack/oauth_redirect'

/** A Slack OAuth scope: `chat:write`, `channels:history`, `chat:write.public`, `admin.users:read`, `commands`. */
export const slackScope = z.string().regex(/^[a-z][a-z0-9_.:-]{0,99}$/, 'a Slack scope, such as chat:write')

const scopeList = z
  .array(slackScope)
  .max(100)
  .refine((list) => new Set(list).size === list.length, 'lists a scope twice')
  .default([])

/** A cookie name (an RFC 6265 token). */
const cookieName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'a cookie name: letters, digits and !#$%&\'*+.^_`|~-')

/**
 * `install`: the OAuth v2 install flow, `GET /slack/install` and `GET /slack/oauth_redirect`
 * (served only when this section is present; needs slack.clientId and slack.clientSecret).
 */
export const installSchema = z
  .strictObject({
    /** The Redirect URL registered with the app (OAuth & Permissions), ending in /slack/oauth_redirect. */
    redirectUrl: httpsOrLoopbackUrl('install.redirectUrl').refine((u) => new URL(u).pathname.endsWith(INSTALL_CALLBACK_PATH), {
      message: `must end with ${INSTALL_CALLBACK_PATH}, where the gateway serves the callback`,
    }),
    /** Exactly what the gateway asks for; an install granted more is refused. */
    scopes: z
      .strictObject({ bot: scopeList, user: scopeList })
      .refine((s) => s.bot.length + s.user.length > 0, 'declare at least one bot or user scope'),
    /** The cookie binding the state to the browser. */
    cookieName: cookieName.default(DEFAULT_INSTALL_COOKIE),
    /**
     * For hosts that pass only some cookie names through (Firebase Hosting and Cloud Run pass
     * only `__session`): allows a cookieName without the `__Host-` prefix, which a sibling
     * subdomain could then plant.
     */
    allowCookieWithoutHostPrefix: z.boolean().default(false),
    /** How long an install may take, from the install page to the callback. */
    stateTtlSeconds: z.number().int().min(60).max(3600).default(600),
    /** Org-wide installs begun from Slack's admin pages arrive without state: accept those (enterprise installs only). */
    allowInstallWithoutState: z.boolean().default(false),
    /** Slack's authorize page (a local fake in tests). */
    authorizeUrl: httpsOrLoopbackUrl('install.authorizeUrl').default('https://slack.com/oauth/v2/authorize'),
    /** How long the code exchange waits for oauth.v2.access. */
    exchangeTimeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
  })
  .refine((i) => i.allowCookieWithoutHostPrefix || i.cookieName.startsWith('__Host-'), {
    path: ['cookieName'],
    message: 'must start with __Host- (so no subdomain can plant it); a host that strips other cookies needs allowCookieWithoutHostPrefix: true',
  })

export type InstallConfig = z.output<typeof installSchema>

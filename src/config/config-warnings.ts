import type { RouteConfig } from './schema.js'

/** What a gateway without routes does with every request: Slack gets its 200, nothing runs. */
export const NO_ROUTES_WARNING =
  'no routes: every request is acknowledged and dropped as unrouted; add routes to the config file (see examples/slackgate.yaml)'

/**
 * What a valid configuration does that its author may not expect: logged at start and
 * listed in `/readyz` (the gateway is ready, but will run nothing).
 */
export function configWarnings(config: { readonly routes: readonly RouteConfig[] }): string[] {
  return config.routes.length === 0 ? [NO_ROUTES_WARNING] : []
}

import type { DirectoryConfig } from '../config/load.js'
import type { Directory } from './directory.js'
import { createSlackDirectory } from './directory.slack.js'
import { createStaticDirectory } from './directory.static.js'

export interface OpenDirectoryDeps {
  readonly fetch?: typeof fetch
  readonly logger?: { warn(obj: object, msg: string): void }
}

/** The configured Directory adapter, or none when no rule names a user group. */
export function openDirectory(config: DirectoryConfig | undefined, deps: OpenDirectoryDeps = {}): Directory | undefined {
  if (config === undefined) return undefined
  if (config.kind === 'static') return createStaticDirectory(config.userGroups)
  return createSlackDirectory({
    apiUrl: config.apiUrl,
    token: config.token,
    ...(config.teamId !== undefined && { teamId: config.teamId }),
    ttlSeconds: config.ttlSeconds,
    maxStaleSeconds: config.maxStaleSeconds,
    lookupTimeoutMs: config.lookupTimeoutMs,
    ...(deps.fetch !== undefined && { fetch: deps.fetch }),
    ...(deps.logger !== undefined && { logger: deps.logger }),
  })
}

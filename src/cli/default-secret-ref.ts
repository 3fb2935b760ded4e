import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEV_SECRET_FILE } from './dev-secret.js'

/**
 * The secret `sign` and `verify` use when none is given: `SLACK_SIGNING_SECRET`, else the
 * development secret that `slackgate dev` generated in the data directory.
 */
export function defaultSecretRef(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (env.SLACK_SIGNING_SECRET !== undefined) return 'env:SLACK_SIGNING_SECRET'
  const devSecret = join(resolve(cwd, env.SLACKGATE_DATA_DIR || './data'), DEV_SECRET_FILE)
  return existsSync(devSecret) ? `file:${devSecret}` : undefined
}

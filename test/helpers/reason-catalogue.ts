import { AUDIT_CODES } from '../../src/audit/errors.js'
import { CONFIG_CODES } from '../../src/config/errors.js'
import { DISPATCH_CODES } from '../../src/dispatch/errors.js'
import { HTTP_CODES } from '../../src/http/errors.js'
import { INSTALL_CODES } from '../../src/install/errors.js'
import { POLICY_CODES } from '../../src/policy/errors.js'
import { REPLAY_CODES } from '../../src/replay/errors.js'
import { DECODE_CODES } from '../../src/slack/errors.js'
import { SLACK_API_CODES } from '../../src/slack-api/errors.js'
import { VERIFY_CODES } from '../../src/verify/errors.js'
import { JWT_CODES } from '../../src/verify/jwt-errors.js'
import { TLS_CODES } from '../../src/verify/tls-errors.js'
import { VAULT_CODES } from '../../src/vault/errors.js'

/** Every folder's reason codes, by folder: the one list the catalogue tests and the run check read. */
export const REASON_CATALOGUE: Readonly<Record<string, readonly string[]>> = {
  verify: VERIFY_CODES,
  jwt: JWT_CODES,
  tls: TLS_CODES,
  slack: DECODE_CODES,
  http: HTTP_CODES,
  config: CONFIG_CODES,
  replay: REPLAY_CODES,
  dispatch: DISPATCH_CODES,
  policy: POLICY_CODES,
  audit: AUDIT_CODES,
  install: INSTALL_CODES,
  vault: VAULT_CODES,
  slackApi: SLACK_API_CODES,
}

export const ALL_REASON_CODES: readonly string[] = Object.values(REASON_CATALOGUE).flat()

import { ACK_CODES } from '../ack/errors.js'
import { ADMIN_CODES } from '../admin/errors.js'
import { AUDIT_CODES } from '../audit/errors.js'
import { CONFIG_CODES } from '../config/errors.js'
import { DISPATCH_CODES } from '../dispatch/errors.js'
import { STEP_CODES } from '../functions/errors.js'
import { HTTP_CODES } from '../http/errors.js'
import { INSTALL_CODES } from '../install/errors.js'
import { POLICY_CODES } from '../policy/errors.js'
import { REPLAY_CODES } from '../replay/errors.js'
import { DECODE_CODES } from '../slack/errors.js'
import { SLACK_API_CODES } from '../slack-api/errors.js'
import { VERIFY_CODES } from '../verify/errors.js'
import { JWT_CODES } from '../verify/jwt-errors.js'
import { TLS_CODES } from '../verify/tls-errors.js'
import { VAULT_CODES } from '../vault/errors.js'

/**
 * Every folder's reason codes, by folder: the one list that bounds the metrics' `reason`
 * label and that the catalogue tests (unique, documented, observed) read.
 */
export const REASON_CATALOGUE: Readonly<Record<string, readonly string[]>> = {
  verify: VERIFY_CODES,
  jwt: JWT_CODES,
  tls: TLS_CODES,
  slack: DECODE_CODES,
  http: HTTP_CODES,
  config: CONFIG_CODES,
  replay: REPLAY_CODES,
  dispatch: DISPATCH_CODES,
  functions: STEP_CODES,
  ack: ACK_CODES,
  policy: POLICY_CODES,
  audit: AUDIT_CODES,
  install: INSTALL_CODES,
  vault: VAULT_CODES,
  'slack-api': SLACK_API_CODES,
  admin: ADMIN_CODES,
}

export const ALL_REASON_CODES: readonly string[] = Object.values(REASON_CATALOGUE).flat()

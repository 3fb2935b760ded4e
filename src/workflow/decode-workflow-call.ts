import { parseJsonBody, type ParseResult } from '../slack/parse-body.js'
import type { JwtIdentity } from '../verify/jwt-bearer.js'
import type { BodyValidator } from './body-schema.js'
import { contextFromClaims, type WorkflowCall } from './workflow-call.js'

/**
 * Decodes the body of a verified workflow call: strict UTF-8 JSON holding an object, then the
 * endpoint's schema, if it has one. 400 `malformed_body` or `invalid_payload` otherwise.
 */
export function decodeWorkflowCall(
  workflow: string,
  identity: JwtIdentity,
  raw: Uint8Array,
  validate?: BodyValidator,
): ParseResult<WorkflowCall> {
  const parsed = parseJsonBody(raw)
  if (!parsed.ok) return parsed
  const body = parsed.value
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'invalid_payload', detail: 'the body must be a JSON object' }
  }
  if (validate !== undefined) {
    const checked = validate(body)
    if (!checked.ok) return { ok: false, reason: 'invalid_payload', detail: checked.detail }
  }
  return {
    ok: true,
    value: {
      kind: 'workflow',
      source: 'workflows',
      workflow,
      identity,
      context: contextFromClaims(identity.claims),
      payload: body as Record<string, unknown>,
    },
  }
}

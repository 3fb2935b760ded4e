import { parseFormBody, parseJsonBody, type ParseResult } from '../slack/parse-body.js'
import type { HookRequest } from './hook-request.js'

const EVENT = /^[\x21-\x7e]{1,128}$/

/**
 * Decodes the body of a verified webhook: strict UTF-8 JSON holding an object, or form
 * fields. The event is the body's `type`; the delivery id is the scheme's signed id header,
 * or for Stripe the body's `id`. Unsigned headers (GitHub's event name) are passed along as
 * such, never as the event. Only called once the signature verified: nothing here is
 * trusted before that.
 */
export function decodeHook(
  hook: string,
  raw: Uint8Array,
  form: boolean,
  facts: { readonly id?: string; readonly idFromBody?: boolean; readonly unsignedHeaders?: Readonly<Record<string, string | undefined>> },
): ParseResult<HookRequest> {
  const parsed = form ? parseFormBody(raw) : parseJsonBody(raw)
  if (!parsed.ok) return parsed
  const body = parsed.value
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'invalid_payload', detail: 'the body must be a JSON object' }
  }
  const payload = body as Record<string, unknown>
  const event = pick(payload.type)
  // Only where the scheme says the body's `id` is the event's (Stripe): elsewhere an `id`
  // field may name anything, and taking it for a delivery id would drop distinct events.
  const deliveryId = pick(facts.id) ?? (facts.idFromBody === true ? pick(payload.id) : undefined)
  return {
    ok: true,
    value: {
      kind: 'hook',
      source: 'hooks',
      hook,
      ...(event !== undefined && { event }),
      ...(deliveryId !== undefined && { deliveryId }),
      ...(facts.unsignedHeaders !== undefined && { unsignedHeaders: printable(facts.unsignedHeaders) }),
      context: {},
      payload,
    },
  }
}

function pick(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT.test(value) ? value : undefined
}

function printable(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const kept = pick(value)
    if (kept !== undefined) out[name] = kept
  }
  return out
}

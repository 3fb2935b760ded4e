/**
 * Slash-command bodies for load runs. The field that must differ per request (trigger_id,
 * Slack's per-invocation id and slackgate's dedupe key) comes last, so that a body is a
 * fixed prefix plus a short unique suffix: the load generator then signs each request by
 * hashing only the suffix (see prefix-signer.ts), whatever the body size.
 */
export const BENCH_SECRET = 'bench-signing-secret-0123456789abcdef'
export const COMMAND = '/deploy'

/**
 * The body without its trigger_id value, padded to about `size` bytes. The padding is a
 * field of its own: Slack caps `text` (slackgate refuses over 40,000 characters), and a
 * large body is still a valid request whose extra field the decoder drops.
 */
export function commandBodyPrefix(size: number, command = COMMAND): string {
  const fields = new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: 'T0001',
    team_domain: 'example',
    enterprise_id: 'E0001',
    enterprise_name: 'Example%20Corp',
    channel_id: 'C2147483705',
    channel_name: 'deployments',
    user_id: 'U2147483697',
    user_name: 'ada',
    command,
    text: 'api prod',
    padding: '',
    api_app_id: 'A123456',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/T0001/1234567890/abcdefABCDEF0123456789',
  }).toString()
  const suffixBytes = '&trigger_id='.length + TRIGGER_ID_BYTES
  const pad = Math.max(0, size - fields.length - suffixBytes)
  return fields.replace('padding=', `padding=${'x'.repeat(pad)}`) + '&trigger_id='
}

const TRIGGER_ID_BYTES = 40

/**
 * A distinct, Slack-shaped trigger id for request number `n` of run `run`, always
 * TRIGGER_ID_BYTES long. The number is zero-padded on its left: padded on the right, request
 * 1 and request 10 would send the same body, and be answered as duplicates.
 */
export function triggerId(run: string, n: number): string {
  const digits = TRIGGER_ID_BYTES - run.length - 1
  if (digits < 12) throw new RangeError(`run id ${run} leaves too few digits for a trigger id`)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`request number ${n} is not a count`)
  return `${run}.${String(n).padStart(digits, '0')}`
}

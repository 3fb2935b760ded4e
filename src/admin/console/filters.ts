import { z } from 'zod'
import type { AuditQuery } from '../../audit/audit-log.js'
import type { AuditRecord } from '../../audit/audit-record.js'
import { parseTime, type QueryOptions } from '../../cli/audit.js'
import { channelIdSchema, teamIdSchema, userIdSchema } from '../../config/access-schema.js'

/** The most records one page of the Requests page shows. */
export const MAX_PAGE = 500
export const DEFAULT_PAGE = 100

/** The verdicts an audit record can hold (audit-record.ts), offered in the filter form. */
export const AUDIT_VERDICTS = [
  'accepted', 'answered', 'duplicate', 'unrouted', 'denied', 'rejected', 'handshake', 'ssl_check',
  'delivered', 'retrying', 'dead', 'recorded', 'completed', 'failed', 'already_completed', 'not_completed',
] as const
export const AUDIT_KINDS = ['request', 'delivery', 'lifecycle', 'step', 'admin'] as const

/** The form's fields, as typed (trimmed), to fill the form again. */
export interface RequestFilterForm {
  readonly from?: string
  readonly to?: string
  readonly team?: string
  readonly channel?: string
  readonly user?: string
  readonly route?: string
  readonly verdict?: string
  readonly kind?: string
  readonly reason?: string
  readonly job?: string
  readonly limit?: string
  readonly cursor?: string
}

const FIELDS = ['from', 'to', 'team', 'channel', 'user', 'route', 'verdict', 'kind', 'reason', 'job', 'limit', 'cursor'] as const

export type ParsedFilters =
  | { readonly ok: true; readonly form: RequestFilterForm; readonly query: AuditQuery }
  | { readonly ok: false; readonly form: RequestFilterForm; readonly problems: readonly string[] }

const RELATIVE = /^([1-9][0-9]{0,5})([smhdw])$/
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

// An instant as the CLI reads one (ISO 8601, a date, epoch seconds), or a span back from now.
const instant = (now: number) =>
  z.string().transform((text, ctx) => {
    const rel = RELATIVE.exec(text)
    if (rel !== null) return now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number)
    try {
      return parseTime(text, 'it')
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a span back from now (15m, 1h, 2d)' })
      return z.NEVER
    }
  })

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'is a route name: lowercase letters, digits, - and _')

function schemaAt(now: number) {
  return z
    .strictObject({
      from: instant(now).optional(),
      to: instant(now).optional(),
      team: teamIdSchema.optional(),
      channel: channelIdSchema.optional(),
      user: userIdSchema.optional(),
      route: name.optional(),
      verdict: z.enum(AUDIT_VERDICTS, { error: `must be one of ${AUDIT_VERDICTS.join(', ')}` }).optional(),
      kind: z.enum(AUDIT_KINDS, { error: `must be one of ${AUDIT_KINDS.join(', ')}` }).optional(),
      reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'is a reason code: lowercase letters, digits and _').optional(),
      job: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'is a job id: letters, digits and - _ . :').optional(),
      limit: z
        .string()
        .regex(/^[0-9]{1,6}$/, `must be a whole number from 1 to ${MAX_PAGE}`)
        .transform(Number)
        .pipe(z.number().int().min(1, `must be from 1 to ${MAX_PAGE}`).max(MAX_PAGE, `must be at most ${MAX_PAGE}`))
        .optional(),
      cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a record number').transform(Number).optional(),
    })
    .refine((f) => f.from === undefined || f.to === undefined || f.from < f.to, { message: 'must be after from', path: ['to'] })
}

/**
 * The Requests page's query string, checked, as an audit query: newest first, paged by
 * sequence number (`cursor`: show records before it). Never throws: anything wrong comes
 * back as a list of problems to show beside the form. `now` resolves spans such as `1h`.
 *
 * @example
 * parseRequestFilters(new URLSearchParams('from=1h&verdict=denied'), Date.now())
 * // { ok: true, query: { since: …, verdict: 'denied', newestFirst: true, limit: 100 }, form }
 */
export function parseRequestFilters(params: URLSearchParams | Readonly<Record<string, unknown>>, now: number): ParsedFilters {
  const problems: string[] = []
  const form: Record<string, string> = {}
  const entries = params instanceof URLSearchParams ? groupParams(params) : Object.entries(params)
  for (const [key, value] of entries) {
    if (!(FIELDS as readonly string[]).includes(key)) continue
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined)
    if (values.length > 1) problems.push(`${key}: give it once`)
    const first = values[0]
    if (typeof first !== 'string') {
      if (first !== undefined) problems.push(`${key}: must be text`)
      continue
    }
    const text = first.trim()
    if (text.length > 200) problems.push(`${key}: too long`)
    else if (text !== '') form[key] = text
  }
  if (problems.length > 0) return { ok: false, form, problems }
  const parsed = schemaAt(now).safeParse(form)
  if (!parsed.success) {
    return { ok: false, form, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'filters'}: ${i.message}`) }
  }
  const f = parsed.data
  const query: AuditQuery = {
    newestFirst: true,
    limit: f.limit ?? DEFAULT_PAGE,
    ...(f.cursor !== undefined && { afterSeq: f.cursor }),
    ...(f.from !== undefined && { since: f.from }),
    ...(f.to !== undefined && { until: f.to }),
    ...(f.team !== undefined && { teamId: f.team }),
    ...(f.channel !== undefined && { channelId: f.channel }),
    ...(f.user !== undefined && { userId: f.user }),
    ...(f.route !== undefined && { route: f.route }),
    ...(f.verdict !== undefined && { verdict: f.verdict }),
    ...(f.reason !== undefined && { reason: f.reason }),
    ...(f.kind !== undefined && { kind: f.kind }),
    ...(f.job !== undefined && { jobId: f.job }),
  }
  return { ok: true, form, query }
}

function groupParams(params: URLSearchParams): Array<[string, string[]]> {
  const out = new Map<string, string[]>()
  for (const [k, v] of params) out.set(k, [...(out.get(k) ?? []), v])
  return [...out]
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * A query back to the page's query string fields, with absolute times (a span such as `1h`
 * would move between one page and the next): for paging links and export links. Without the
 * cursor unless `cursor` is given.
 */
export function filterParams(query: AuditQuery, cursor?: number): Record<string, string | undefined> {
  return {
    from: query.since === undefined ? undefined : iso(query.since),
    to: query.until === undefined ? undefined : iso(query.until),
    team: query.teamId,
    channel: query.channelId,
    user: query.userId,
    route: query.route,
    verdict: query.verdict,
    kind: query.kind,
    reason: query.reason,
    job: query.jobId,
    limit: query.limit === DEFAULT_PAGE ? undefined : String(query.limit),
    cursor: cursor === undefined ? undefined : String(cursor),
  }
}

/** The same filters as a query string (no leading `?`), keys in a fixed order. */
export function filterQueryString(query: AuditQuery, cursor?: number): string {
  return Object.entries(filterParams(query, cursor))
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')
}

/**
 * The options `queryAudit` (slackgate audit export) takes for the same filters, so that an
 * export streams what the page shows.
 */
export function exportOptions(query: AuditQuery, format: 'jsonl' | 'csv'): QueryOptions {
  return {
    format,
    ...(query.since !== undefined && { since: iso(query.since) }),
    ...(query.until !== undefined && { until: iso(query.until) }),
    ...(query.teamId !== undefined && { team: query.teamId }),
    ...(query.channelId !== undefined && { channel: query.channelId }),
    ...(query.userId !== undefined && { user: query.userId }),
    ...(query.route !== undefined && { route: query.route }),
    ...(query.verdict !== undefined && { verdict: query.verdict }),
    ...(query.reason !== undefined && { reason: query.reason }),
    ...(query.kind !== undefined && { kind: query.kind }),
    ...(query.jobId !== undefined && { job: query.jobId }),
  }
}

import type { AuditLog, AuditQuery } from '../audit/audit-log.js'
import { AUDIT_FIELDS, type StoredAuditRecord } from '../audit/audit-record.js'
import { ChainVerifier, type ChainAnchor } from '../audit/chain.js'
import { CliError } from './cli-error.js'

const PAGE = 5000

export interface VerifyResult {
  readonly ok: boolean
  readonly records: number
  readonly head: ChainAnchor | null
  readonly problem?: string
  readonly seq?: number
  readonly detail?: string
}

/**
 * `slackgate audit verify`: walks the whole chain, oldest first, and reports the first record
 * that was altered, inserted or deleted, by its position. With an anchor (a head recorded
 * earlier, from /healthz or a previous verify), also a chain cut short or rewritten from the
 * start.
 */
export async function verifyAudit(log: AuditLog, anchorText?: string): Promise<VerifyResult> {
  const anchor = anchorText === undefined ? undefined : parseAnchor(anchorText)
  const verifier = new ChainVerifier()
  for await (const page of pages(log, {})) {
    if (anchor !== undefined) for (const r of page) if (r.seq === anchor.seq) verifier.checkAnchor(r, anchor)
    if (!verifier.push(page)) break
  }
  const problem = verifier.finish(anchor)
  const base = { records: verifier.count, head: verifier.head ?? null }
  return problem === undefined ? { ok: true, ...base } : { ok: false, ...base, problem: problem.problem, seq: problem.seq, detail: problem.detail }
}

export interface QueryOptions {
  readonly since?: string
  readonly until?: string
  readonly team?: string
  readonly channel?: string
  readonly user?: string
  readonly route?: string
  readonly verdict?: string
  readonly reason?: string
  readonly kind?: string
  readonly job?: string
  readonly limit?: string
  readonly format?: 'jsonl' | 'csv'
}

/** `slackgate audit query` and `export`: matching records, oldest first, as JSON lines or CSV. */
export async function* queryAudit(log: AuditLog, opts: QueryOptions): AsyncGenerator<string> {
  const filter: Omit<AuditQuery, 'limit'> = {
    ...(opts.since !== undefined && { since: parseTime(opts.since, '--since') }),
    ...(opts.until !== undefined && { until: parseTime(opts.until, '--until') }),
    ...(opts.team !== undefined && { teamId: opts.team }),
    ...(opts.channel !== undefined && { channelId: opts.channel }),
    ...(opts.user !== undefined && { userId: opts.user }),
    ...(opts.route !== undefined && { route: opts.route }),
    ...(opts.verdict !== undefined && { verdict: opts.verdict }),
    ...(opts.reason !== undefined && { reason: opts.reason }),
    ...(opts.kind !== undefined && { kind: opts.kind }),
    ...(opts.job !== undefined && { jobId: opts.job }),
  }
  const limit = opts.limit === undefined ? Number.POSITIVE_INFINITY : parseCount(opts.limit, '--limit')
  const csv = opts.format === 'csv'
  if (csv) yield csvLine(['seq', ...AUDIT_FIELDS, 'prevHash', 'hash'])
  let left = limit
  for await (const page of pages(log, filter)) {
    for (const r of page) {
      if (left-- <= 0) return
      yield csv ? csvLine(csvValues(r)) : JSON.stringify(r)
    }
  }
}

/** `slackgate audit tail`: the last `n` records, then (with follow) each new one as it lands. */
export async function* tailAudit(log: AuditLog, n: number, follow: { pollMs: number; signal: AbortSignal } | undefined): AsyncGenerator<string> {
  const last = (await log.read({ newestFirst: true, limit: n })).reverse()
  for (const r of last) yield JSON.stringify(r)
  if (follow === undefined) return
  let afterSeq = last.at(-1)?.seq ?? 0
  while (!follow.signal.aborted) {
    const page = await log.read({ afterSeq, limit: PAGE })
    for (const r of page) yield JSON.stringify(r)
    afterSeq = page.at(-1)?.seq ?? afterSeq
    if (page.length < PAGE) await new Promise((resolve) => setTimeout(resolve, follow.pollMs))
  }
}

async function* pages(log: AuditLog, filter: Omit<AuditQuery, 'limit'>): AsyncGenerator<StoredAuditRecord[]> {
  for (let afterSeq = 0; ; ) {
    const page = await log.read({ ...filter, afterSeq, limit: PAGE })
    if (page.length > 0) yield page
    if (page.length < PAGE) return
    afterSeq = (page.at(-1) as StoredAuditRecord).seq
  }
}

function parseAnchor(text: string): ChainAnchor {
  const m = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(text)
  if (m === null) throw new CliError('--anchor must be SEQ:HASH, as /healthz or a previous verify prints the head')
  return { seq: Number(m[1]), hash: m[2] as string }
}

/** An ISO 8601 instant, a date (UTC midnight), or epoch seconds: to epoch milliseconds. */
export function parseTime(text: string, flag: string): number {
  if (/^[0-9]{1,12}$/.test(text)) return Number(text) * 1000
  const ms = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : Number.NaN
  if (Number.isNaN(ms)) throw new CliError(`${flag} must be an ISO 8601 date or time (2026-11-23, 2026-11-23T10:00:00Z) or epoch seconds`)
  return ms
}

function parseCount(text: string, flag: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new CliError(`${flag} must be a positive whole number`)
  return Number(text)
}

function csvValues(r: StoredAuditRecord): unknown[] {
  return [r.seq, ...AUDIT_FIELDS.map((f) => r[f]), r.prevHash, r.hash]
}

// RFC 4180 quoting. A cell a spreadsheet would run as a formula gets a leading quote
// (OWASP's CSV injection advice): verify the chain from JSON lines, not from this.
function csvLine(values: readonly unknown[]): string {
  return values
    .map((v) => {
      if (v === undefined || v === null) return ''
      let text = Array.isArray(v) ? v.join(' ') : String(v)
      if (/^[=+@\t\r-]/.test(text) && typeof v === 'string') text = `'${text}`
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')
}

import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { AuditLog, AuditQuery } from '../../audit/audit-log.js'
import type { StoredAuditRecord } from '../../audit/audit-record.js'
import { queryAudit, verifyAudit, type QueryOptions, type VerifyResult } from '../../cli/audit.js'
import { exportOptions, filterQueryString, matchesResidual, parseRequestFilters, type ResidualFilter } from '../console/filters.js'
import { html } from '../console/html.js'
import { renderRequestDetail } from '../console/pages/request-detail.js'
import { renderRequests } from '../console/pages/requests.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { badRequest, queryOf, recordAdmin, sendConsolePage, sessionOf, type ConsoleContext } from './context.js'

/** Records read per step while the filters the log cannot apply drop some. */
const SCAN_PAGE = 1000
/** Records one page view reads at most: a filter that matches little must not walk the whole log. */
const MAX_SCAN = 20_000
/** How long a chain check is shown before the next page view starts another (it walks the whole log). */
const CHAIN_TTL_MS = 5 * 60_000
const EXPORT_TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const

/**
 * The Requests pages: the audit log filtered (filters.ts), one record, and exports that
 * stream every matching record through `queryAudit`, like `slackgate audit export`.
 *
 * @example
 * requestRoutes(instance, ctx) // GET /admin/requests, /admin/requests/:seq, /admin/requests/export
 */
export function requestRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const chain = chainState(ctx)
  app.get('/requests', async (request, reply) => {
    const session = sessionOf(request)
    const parsed = parseRequestFilters(queryOf(request), ctx.now())
    if (!parsed.ok) {
      request.outcome = { verdict: 'rejected', reason: 'bad_request' }
      const body = renderRequests({ form: parsed.form, problems: parsed.problems, records: [], more: false, chain: await chain() })
      return sendConsolePage(reply, session, 'Requests', 'requests', body, 400)
    }
    const { records, more } = await readPage(ctx.audit, parsed.query, parsed.residual)
    const body = renderRequests({ form: parsed.form, problems: [], query: parsed.query, residual: parsed.residual, records, more, chain: await chain() })
    return sendConsolePage(reply, session, 'Requests', 'requests', body)
  })

  app.get('/requests/export', async (request, reply) => {
    const session = sessionOf(request)
    const params = queryOf(request)
    const format = params.getAll('format')
    params.delete('format')
    const parsed = parseRequestFilters(params, ctx.now())
    const problems = [...(parsed.ok ? [] : parsed.problems), ...(format.length === 1 && (format[0] === 'jsonl' || format[0] === 'csv') ? [] : ['format: jsonl or csv'])]
    if (!parsed.ok || problems.length > 0) return badRequest(request, reply, session, problems, 'requests')
    const kind = format[0] as 'jsonl' | 'csv'
    const filters = filterQueryString(parsed.query, parsed.residual)
    // Who took a copy of what is itself on the record.
    await recordAdmin(ctx, request, { action: 'requests_export', verdict: 'exported', name: session.user.name, target: `format=${kind}${filters === '' ? '' : `&${filters}`}` })
    return reply
      .headers(DATA_PAGE_HEADERS)
      .type(EXPORT_TYPES[kind])
      .header('content-disposition', `attachment; filename="slackgate-audit.${kind}"`)
      .send(Readable.from(exportLines(ctx.audit, exportOptions(parsed.query, kind), parsed.residual)))
  })

  app.get('/requests/:seq', async (request, reply) => {
    const session = sessionOf(request)
    const { seq } = request.params as { seq: string }
    const record = /^[1-9][0-9]{0,15}$/.test(seq) ? await readOne(ctx.audit, Number(seq)) : undefined
    if (record === undefined) {
      request.outcome = { verdict: 'rejected', reason: 'not_found' }
      return sendConsolePage(reply, session, 'No such record', 'requests', html`<p class="notice error" role="alert">No audit record ${seq}.</p><p><a href="/admin/requests">← Requests</a></p>`, 404)
    }
    return sendConsolePage(reply, session, `Record ${record.seq}`, 'requests', renderRequestDetail(record))
  })
}

async function readOne(audit: AuditLog, seq: number): Promise<StoredAuditRecord | undefined> {
  const [record] = await audit.read({ afterSeq: seq - 1, limit: 1 })
  return record?.seq === seq ? record : undefined
}

const hasResidual = (residual: ResidualFilter) => Object.values(residual).some((v) => v !== undefined)

/**
 * One page of matching records, newest first. The log applies what it can; the rest
 * (channel, route, reason, job) is checked here, reading on until the page is full, the log
 * ends, or MAX_SCAN records were read.
 */
async function readPage(audit: AuditLog, query: AuditQuery, residual: ResidualFilter): Promise<{ records: StoredAuditRecord[]; more: boolean }> {
  const want = query.limit
  // One extra record says whether an older page exists.
  const step = hasResidual(residual) ? SCAN_PAGE : want + 1
  const records: StoredAuditRecord[] = []
  let cursor = query.afterSeq
  for (let scanned = 0; scanned < MAX_SCAN; ) {
    const page = await audit.read({ ...query, ...(cursor !== undefined && { afterSeq: cursor }), limit: step })
    for (const r of page) {
      if (!matchesResidual(r, residual)) continue
      if (records.length === want) return { records, more: true }
      records.push(r)
    }
    const last = page.at(-1)
    if (page.length < step || last === undefined) return { records, more: false }
    cursor = last.seq
    scanned += page.length
  }
  // Cut short: an older page may hold more (its link starts after the last record shown).
  return { records, more: records.length > 0 }
}

/**
 * The export's lines. Without the filters the log cannot apply, queryAudit's lines as they
 * are; with them, each record is judged on its JSON line and the line in the asked format at
 * the same place is kept (both read the same records in the same order, oldest first).
 */
async function* exportLines(audit: AuditLog, options: QueryOptions, residual: ResidualFilter): AsyncGenerator<string> {
  if (!hasResidual(residual)) {
    for await (const line of queryAudit(audit, options)) yield `${line}\n`
    return
  }
  const csv = options.format === 'csv' ? queryAudit(audit, options) : undefined
  try {
    if (csv !== undefined) {
      const header = await csv.next()
      if (header.done !== true) yield `${header.value}\n`
    }
    for await (const line of queryAudit(audit, { ...options, format: 'jsonl' })) {
      const record = JSON.parse(line) as StoredAuditRecord
      const formatted = csv === undefined ? line : await nextCsvLine(csv, record.seq)
      if (formatted === undefined) return
      if (matchesResidual(record, residual)) yield `${formatted}\n`
    }
  } finally {
    await csv?.return(undefined)
  }
}

async function nextCsvLine(csv: AsyncGenerator<string>, seq: number): Promise<string | undefined> {
  const next = await csv.next()
  if (next.done === true) return undefined
  // A CSV line starts with its record's seq: anything else means the two reads parted.
  if (!next.value.startsWith(`${seq},`)) throw new Error('audit export: the CSV and JSON reads of the log disagree')
  return next.value
}

/**
 * The chain's state for the Requests page: `slackgate audit verify` walks the whole log, so a
 * result is shown for CHAIN_TTL_MS while a page view after that starts the next check. The
 * first view waits for one; a check that fails to read is shown as not checked.
 */
function chainState(ctx: ConsoleContext): () => Promise<VerifyResult | undefined> {
  const state: { last?: { at: number; result: VerifyResult }; running?: Promise<void> } = {}
  const refresh = (): Promise<void> => {
    state.running ??= verifyAudit(ctx.audit)
      .then(
        (result) => {
          state.last = { at: ctx.now(), result }
        },
        () => undefined,
      )
      .finally(() => {
        state.running = undefined
      })
    return state.running
  }
  return async () => {
    if (state.last === undefined) await refresh()
    else if (ctx.now() - state.last.at >= CHAIN_TTL_MS) void refresh()
    return current(state)
  }
}

function current(state: { last?: { result: VerifyResult } }): VerifyResult | undefined {
  return state.last?.result
}

import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { AuditLog, AuditQuery } from '../../audit/audit-log.js'
import type { StoredAuditRecord } from '../../audit/audit-record.js'
import { queryAudit, verifyAudit, type VerifyResult } from '../../cli/audit.js'
import { exportOptions, filterQueryString, parseRequestFilters } from '../console/filters.js'
import { html } from '../console/html.js'
import { renderRequestDetail } from '../console/pages/request-detail.js'
import { renderRequests } from '../console/pages/requests.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { badRequest, queryOf, recordAdmin, sendConsolePage, sessionOf, type ConsoleContext } from './context.js'

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
    const { records, more } = await readPage(ctx.audit, parsed.query)
    const body = renderRequests({ form: parsed.form, problems: [], query: parsed.query, records, more, chain: await chain() })
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
    const filters = filterQueryString(parsed.query)
    // Who took a copy of what is itself on the record.
    await recordAdmin(ctx, request, { action: 'requests_export', verdict: 'exported', name: session.user.name, target: `format=${kind}${filters === '' ? '' : `&${filters}`}` })
    return reply
      .headers(DATA_PAGE_HEADERS)
      .type(EXPORT_TYPES[kind])
      .header('content-disposition', `attachment; filename="slackgate-audit.${kind}"`)
      .send(Readable.from(exportLines(ctx.audit, exportOptions(parsed.query, kind))))
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

/** One page of matching records, newest first; one extra record read says whether an older page exists. */
async function readPage(audit: AuditLog, query: AuditQuery): Promise<{ records: StoredAuditRecord[]; more: boolean }> {
  const records = await audit.read({ ...query, limit: query.limit + 1 })
  return { records: records.slice(0, query.limit), more: records.length > query.limit }
}

/** The export's lines: `slackgate audit export`'s, streamed. */
async function* exportLines(audit: AuditLog, options: Parameters<typeof queryAudit>[1]): AsyncGenerator<string> {
  for await (const line of queryAudit(audit, options)) yield `${line}\n`
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

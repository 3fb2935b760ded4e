import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { JobInfo, JobState } from '../../dispatch/job.js'
import { parseRequestFilters } from '../console/filters.js'
import { renderJobs } from '../console/pages/jobs.js'
import { DATA_PAGE_HEADERS } from '../security/headers.js'
import { badRequest, formField, formFields, queryOf, recordAdmin, sendConsolePage, sessionOf, type ConsoleContext } from './context.js'

const STATES: readonly JobState[] = ['queued', 'active', 'dead']
/** Jobs one tab lists (the oldest first, as `slackgate jobs list`). */
const LIST_LIMIT = 500
/** Jobs one bulk action or re-drive acts on at most. */
const MAX_BATCH = 500
const JOB_ID = /^[A-Za-z0-9_.:-]{1,128}$/

type JobAction = 'retry' | 'drop'

/**
 * The Jobs page and the operators' actions on it: retry a dead job, drop a dead or waiting
 * one, either in bulk, and re-drive a route's dead letters since a time. Each action is
 * audited with the admin's name and the job id, then answered with a 303 back to the page
 * (POST, redirect, GET: a reload does not act twice).
 *
 * @example
 * jobRoutes(instance, ctx) // GET /admin/jobs; POST /admin/jobs/:id/retry, /:id/drop, /bulk, /redrive
 */
export function jobRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/jobs', async (request, reply) => {
    const session = sessionOf(request)
    const query = queryOf(request)
    const stateText = query.get('state')
    const id = query.get('id')
    if ((stateText !== null && !(STATES as readonly string[]).includes(stateText)) || (id !== null && !JOB_ID.test(id))) {
      return badRequest(request, reply, session, ['state: queued, active or dead; id: a job id'], 'jobs')
    }
    const found = await listJobs(ctx, stateText as JobState | null, id)
    const counts = await ctx.queue.counts()
    const body = renderJobs({ ...found, counts, routes: ctx.routes, role: session.user.role, csrfToken: session.csrfToken })
    return sendConsolePage(reply, session, 'Jobs', 'jobs', body)
  })

  for (const action of ['retry', 'drop'] as const) {
    app.post(`/jobs/:id/${action}`, { config: { consoleAccess: 'operator' } }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!JOB_ID.test(id)) return badRequest(request, reply, sessionOf(request), ['id: a job id'], 'jobs')
      await act(ctx, request, action, id)
      return backToJobs(reply)
    })
  }

  app.post('/jobs/bulk', { config: { consoleAccess: 'operator' } }, async (request, reply) => {
    const action = formField(request.body, 'action')
    const ids = formFields(request.body, 'id')
    if ((action !== 'retry' && action !== 'drop') || ids.length > MAX_BATCH || !ids.every((id) => JOB_ID.test(id))) {
      return badRequest(request, reply, sessionOf(request), [`action: retry or drop; id: at most ${MAX_BATCH} job ids`], 'jobs')
    }
    for (const id of new Set(ids)) await act(ctx, request, action, id)
    return backToJobs(reply)
  })

  app.post('/jobs/redrive', { config: { consoleAccess: 'operator' } }, async (request, reply) => {
    const route = formField(request.body, 'route')
    // The same instants the Requests filters take (a span such as 1h, or ISO 8601).
    const since = parseRequestFilters(new URLSearchParams({ from: formField(request.body, 'since') ?? '' }), ctx.now())
    if (route === undefined || !ctx.routes.includes(route) || !since.ok) {
      return badRequest(request, reply, sessionOf(request), ['route: a configured route', ...(since.ok ? [] : since.problems)], 'jobs')
    }
    const from = since.query.since ?? 0
    const dead = await ctx.queue.list({ state: 'dead', limit: 10_000 })
    const picked = dead.filter((j) => j.route === route && j.enqueuedAt >= from).slice(0, MAX_BATCH)
    for (const job of picked) await act(ctx, request, 'retry', job.id)
    return backToJobs(reply)
  })
}

/** Retries or drops one job and records what came of it, with the admin's name. */
async function act(ctx: ConsoleContext, request: FastifyRequest, action: JobAction, id: string): Promise<void> {
  const done = action === 'retry' ? await ctx.queue.retry(id) : await ctx.queue.drop(id)
  await recordAdmin(ctx, request, {
    action: action === 'retry' ? 'job_retry' : 'job_drop',
    verdict: !done ? 'not_found' : action === 'retry' ? 'retried' : 'dropped',
    name: sessionOf(request).user.name,
    jobId: id,
  })
}

/**
 * The tab to show: the given state, or (a link from a record names only the job) the first
 * state holding that job.
 */
async function listJobs(ctx: ConsoleContext, state: JobState | null, id: string | null): Promise<{ state: JobState; jobs: JobInfo[] }> {
  const only = (jobs: JobInfo[]) => (id === null ? jobs : jobs.filter((j) => j.id === id))
  if (state !== null || id === null) {
    const shown = state ?? 'queued'
    return { state: shown, jobs: only(await ctx.queue.list({ state: shown, limit: LIST_LIMIT })) }
  }
  for (const s of STATES) {
    const jobs = only(await ctx.queue.list({ state: s, limit: 10_000 }))
    if (jobs.length > 0) return { state: s, jobs }
  }
  return { state: 'queued', jobs: [] }
}

// Retry and drop buttons live on the dead tab (drop on the queued one too); the dead tab is
// where the result of either shows. The Referer is never sent (Referrer-Policy: no-referrer).
function backToJobs(reply: FastifyReply): FastifyReply {
  return reply.code(303).headers(DATA_PAGE_HEADERS).header('location', '/admin/jobs?state=dead').send()
}

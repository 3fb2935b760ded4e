import { describe, expect, it } from 'vitest'
import { exportOptions, filterQueryString, parseRequestFilters } from '../../../src/admin/console/filters.js'

const NOW = Date.parse('2026-11-30T12:00:00Z')
const parse = (qs: string) => parseRequestFilters(new URLSearchParams(qs), NOW)

describe('parseRequestFilters', () => {
  it('gives a newest-first audit query with the default page and nothing else by default', () => {
    const r = parse('')
    expect(r).toEqual({ ok: true, form: {}, query: { newestFirst: true, limit: 100 } })
  })

  it('reads absolute and relative times, ids, verdict, kind, limit and cursor', () => {
    const r = parse('from=1h&to=2026-11-30T11:30:00Z&team=T0001&user=U0002&verdict=denied&kind=request&limit=500&cursor=42&channel=C0003&route=deploy&reason=user_not_allowed&job=0190-ab')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.query).toEqual({
      newestFirst: true,
      limit: 500,
      afterSeq: 42,
      since: NOW - 3_600_000,
      until: Date.parse('2026-11-30T11:30:00Z'),
      teamId: 'T0001',
      userId: 'U0002',
      verdict: 'denied',
      kind: 'request',
      channelId: 'C0003',
      route: 'deploy',
      reason: 'user_not_allowed',
      jobId: '0190-ab',
    })
    expect(parse('from=2026-11-23').ok && parse('from=2026-11-23')).toMatchObject({ query: { since: Date.parse('2026-11-23T00:00:00Z') } })
    expect(parse('from=15m')).toMatchObject({ query: { since: NOW - 900_000 } })
    expect(parse('from=2d')).toMatchObject({ query: { since: NOW - 2 * 86_400_000 } })
  })

  it('refuses bad input with one clear problem per field, and never throws', () => {
    const r = parse('from=yesterday&team=acme&channel=%23general&verdict=maybe&limit=501&cursor=-1&route=Deploy!')
    expect(r.ok).toBe(false)
    if (r.ok) return
    const fields = r.problems.map((p) => p.split(':')[0]).sort()
    expect(fields).toEqual(['channel', 'cursor', 'from', 'limit', 'route', 'team', 'verdict'])
    expect(r.problems.find((p) => p.startsWith('limit'))).toContain('500')
    expect(r.form).toMatchObject({ from: 'yesterday', team: 'acme' })
    for (const qs of ['limit=0', 'limit=abc', 'from=1y', 'from=0h', 'to=2026-13-45', 'kind=job', 'reason=DROP TABLE', 'from=2026-11-30T11:00:00Z&to=2026-11-30T10:00:00Z', 'team=T1&team=T2', `job=${'x'.repeat(300)}`]) {
      expect(parse(qs).ok, qs).toBe(false)
    }
    expect(parseRequestFilters({ team: ['T1', 'T2'], limit: 5 }, NOW)).toMatchObject({ ok: false })
  })

  it('ignores unknown keys and empty fields', () => {
    expect(parse('foo=bar&team=&verdict=')).toMatchObject({ ok: true, query: { newestFirst: true, limit: 100 } })
  })
})

describe('the reverse: a query back to a query string', () => {
  it('round-trips through parseRequestFilters, with absolute times', () => {
    const first = parse('from=1h&team=T0001&verdict=denied&channel=C0003&limit=50')
    if (!first.ok) throw new Error('expected ok')
    const qs = filterQueryString(first.query, 77)
    expect(qs).toContain(`from=${encodeURIComponent(new Date(NOW - 3_600_000).toISOString())}`)
    expect(qs).toContain('cursor=77')
    const again = parseRequestFilters(new URLSearchParams(qs), NOW + 60_000)
    expect(again).toMatchObject({ ok: true, query: { ...first.query, afterSeq: 77 } })
  })

  it('gives queryAudit the same filters, in the form its parseTime reads', () => {
    const r = parse('from=2026-11-30T10:00:00.250Z&team=T0001&kind=delivery')
    if (!r.ok) throw new Error('expected ok')
    expect(exportOptions(r.query, 'csv')).toEqual({ format: 'csv', since: '2026-11-30T10:00:00.250Z', team: 'T0001', kind: 'delivery' })
  })

  it('gives queryAudit the channel, route, reason and job filters too', () => {
    const r = parse('channel=C0003&route=deploy&reason=user_not_allowed&job=0190-ab')
    if (!r.ok) throw new Error('expected ok')
    expect(exportOptions(r.query, 'jsonl')).toEqual({ format: 'jsonl', channel: 'C0003', route: 'deploy', reason: 'user_not_allowed', job: '0190-ab' })
  })
})

import { describe, expect, it } from 'vitest'
import { html } from '../../../src/admin/console/html.js'
import { liveSnapshot, renderLive } from '../../../src/admin/console/pages/live.js'
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js'

describe('liveSnapshot', () => {
  it('parses the gateway’s own /metrics output into the fields the Live page shows', async () => {
    let counts = { queued: 7, active: 2, dead: 3 }
    const metrics = createGatewayMetrics({ queueCounts: async () => counts })
    const observe = (verdict: 'accepted' | 'denied' | 'rejected', seconds: number, n: number) => {
      for (let i = 0; i < n; i++) metrics.observeRequest({ endpoint: '/slack/commands', verdict, route: 'deploy', seconds, ...(verdict === 'denied' && { reason: 'user_not_allowed', rule: 'ops' }) })
    }
    observe('accepted', 0.004, 90)
    observe('denied', 0.02, 10)
    metrics.observeSlackTimestamp(1000, 1002)
    metrics.observeStep('approve', 'completed')
    metrics.observeStep('approve', 'completed')
    metrics.observeStep('boom', 'not_completed')
    const first = liveSnapshot(await metrics.render(), { at: 1_000_000, readiness: { ready: false, checks: { audit: 'ok', queue: 'timeout' } } })
    expect(first.counters.requests).toMatchObject({ accepted: 90, denied: 10, rejected: 0 })
    expect(first.fields['live-rate-accepted']).toBe('—')
    expect(first.fields['live-total-accepted']).toBe('90')
    // 90 of 100 under 5 ms: the median sits in the first bucket, p99 in (0.01, 0.025].
    expect(Number.parseFloat(first.fields['live-ack-p50'] ?? '')).toBeLessThanOrEqual(5)
    expect(Number.parseFloat(first.fields['live-ack-p99'] ?? '')).toBeGreaterThan(10)
    expect(first.fields['live-queue-depth']).toBe('9')
    expect(first.fields['live-dead-letters']).toBe('3')
    expect(first.fields['live-clock-skew']).toBe('2.0 s')
    expect([first.fields['live-steps-completed'], first.fields['live-steps-failed'], first.fields['live-steps-not_completed']]).toEqual(['2', '0', '1'])
    expect(first.states['live-steps-not_completed']).toBe('failed')
    expect(first.states).toMatchObject({ 'live-queue-counts': 'ok', 'live-ready': 'failed', 'live-store-audit': 'ok', 'live-store-queue': 'timeout' })

    observe('rejected', 1.5, 20)
    counts = { queued: 0, active: 0, dead: 4 }
    const second = liveSnapshot(await metrics.render(), { at: 1_002_000, previous: first.counters })
    expect(second.fields['live-rate-rejected']).toBe('10.0')
    expect(second.fields['live-rate-accepted']).toBe('0.0')
    // Over the interval only the slow rejections count.
    expect(Number.parseFloat(second.fields['live-ack-p50'] ?? '')).toBeGreaterThanOrEqual(1000)
    expect(second.fields['live-dead-letters']).toBe('4')
    expect(JSON.parse(JSON.stringify(second))).toEqual(second)
  })

  it('reports what it cannot know: no skew before a Slack request, no queue counts without a queue', async () => {
    const snap = liveSnapshot(await createGatewayMetrics().render())
    expect(snap.fields['live-clock-skew']).toBe('—')
    expect(snap.fields['live-queue-depth']).toBe('—')
    expect(snap.fields['live-ack-p50']).toBe('—')
    expect(snap.states['live-queue-counts']).toBe('unknown')
    expect(snap.fields['live-steps-not_completed']).toBe('0')
    expect(snap.states['live-steps-not_completed']).toBe('ok')
  })

  it('fills only ids that the Live skeleton has', async () => {
    const page = html`${renderLive({ stores: ['audit'] })}`.toString()
    const snap = liveSnapshot(await createGatewayMetrics({ queueCounts: async () => ({ queued: 0, active: 0, dead: 0 }) }).render(), { readiness: { ready: true, checks: { audit: 'ok' } } })
    for (const id of [...Object.keys(snap.fields), ...Object.keys(snap.states)]) expect(page, id).toContain(`id="${id}"`)
  })
})

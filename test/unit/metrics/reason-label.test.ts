import { describe, expect, it } from 'vitest'
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js'
import { ALL_REASON_CODES } from '../../../src/reasons/catalogue.js'

describe('the reason label of slackgate_requests_total', () => {
  it('is every catalogued code as itself (a new folder of codes is never counted as other), and anything else as other', async () => {
    const metrics = createGatewayMetrics()
    for (const reason of [...ALL_REASON_CODES, 'made_up_by_a_client']) {
      metrics.observeRequest({ endpoint: '/slack/events', verdict: 'rejected', reason, seconds: 0.001 })
    }
    const text = await metrics.render()
    const labels = new Set([...text.matchAll(/^slackgate_requests_total\{[^}]*reason="([a-z_]+)"/gm)].map((m) => m[1]))
    expect([...labels].sort()).toEqual([...ALL_REASON_CODES, 'other'].sort())
  })
})

import { describe, expect, it } from 'vitest'
import { NO_ROUTES_WARNING } from '../../src/config/config-warnings.js'
import { loadConfig } from '../../src/config/load.js'
import { buildApp } from '../../src/http/app.js'
import { createLogger } from '../../src/http/logger.js'
import type { ReadinessCheck } from '../../src/http/readiness.js'
import { testApp } from '../helpers/app.js'
import { NOW, SECRET } from '../helpers/signing.js'

async function appWith(readiness: ReadinessCheck[]) {
  const config = loadConfig({ env: { SLACK_SIGNING_SECRET: SECRET }, cwd: '/tmp', now: NOW })
  const logger = createLogger({ level: 'silent' })
  const admit = async () => Promise.reject(new Error('no request is admitted in this test'))
  const respond = async () => Promise.reject(new Error('nothing is posted in this test'))
  return { app: await buildApp({ config, logger, authorize: () => undefined, admit, respond, readiness, readinessTimeoutMs: 200 }) }
}

describe('health', () => {
  it('/healthz reports status, version and the server clock in epoch seconds', async () => {
    const t = await testApp()
    const res = await t.app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    // A fresh gateway: nothing audited, nothing delivered yet.
    expect(res.json()).toEqual({ status: 'ok', time: NOW, version: expect.stringMatching(/^\d+\.\d+\.\d+/), audit: null, lastDeliveryAt: null })
    expect(res.headers['cache-control']).toBe('no-store')
    await t.close()
  })

  it('/readyz checks the real stores of the embedded default', async () => {
    const t = await testApp()
    const res = await t.app.inject({ method: 'GET', url: '/readyz' })
    // Ready, and saying what a gateway without routes does with every request.
    expect(res.json()).toEqual({ ready: true, checks: { replay_store: 'ok', queue: 'ok', audit: 'ok' }, warnings: [NO_ROUTES_WARNING] })
    await t.close()
  })

  it('/readyz is ready when every dependency answers', async () => {
    const t = await appWith([{ name: 'store', check: async () => {} }])
    const res = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ready: true, checks: { store: 'ok' }, warnings: [NO_ROUTES_WARNING] })
    await t.app.close()
  })

  it('/readyz is 503 when a dependency fails or does not answer in time', async () => {
    const t = await appWith([
        { name: 'up', check: async () => {} },
        { name: 'down', check: async () => Promise.reject(new Error('ECONNREFUSED')) },
        {
          name: 'hung',
          check: (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
        },
    ])
    const res = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ ready: false, checks: { up: 'ok', down: 'failed', hung: 'timeout' }, warnings: [NO_ROUTES_WARNING] })
    expect(res.body).not.toContain('ECONNREFUSED')
    await t.app.close()
  })
})

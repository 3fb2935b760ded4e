import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.js'
import { NOW, SECRET } from '../../helpers/signing.js'

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url))

// Every secret an example refers to, set to a value of the right shape.
const env = {
  SLACK_SIGNING_SECRET: SECRET,
  GITHUB_WEBHOOK_SECRET: 'github-webhook-secret-0123456789',
  STRIPE_WEBHOOK_SECRET: 'whsec_stripe_example_0123456789abcdef',
  SVIX_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  ACME_WEBHOOK_SECRET: 'acme-webhook-secret-0123456789',
}

describe('examples/', () => {
  const configs = readdirSync(examples).filter((f) => f.endsWith('.yaml'))

  it.each(configs)('%s loads (its secrets by reference)', (file) => {
    const config = loadConfig({ file: join(examples, file), env, now: NOW, withoutSecrets: /mtls|tls/.test(file) })
    expect(config.routes.length).toBeGreaterThan(0)
  })

  it('the hooks example declares every preset and a generic source', () => {
    const config = loadConfig({ file: join(examples, 'slackgate-hooks.yaml'), env, now: NOW })
    expect(config.sources.map((s) => s.scheme.preset)).toEqual(['github', 'stripe', 'standard-webhooks', 'generic'])
  })
})

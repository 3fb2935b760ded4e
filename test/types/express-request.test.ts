import express from 'express'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { slackVerificationMiddleware, type SlackVerification } from '../../src/index.js'

// Type test: `npm run typecheck` compiles this file. A handler mounted after the middleware
// reads the raw body and the verification from Express's own Request type, with no cast
// (declaration merging into the global Express.Request).

describe('Express request typing', () => {
  it('gives req.slackRawBody and req.slackVerification their types, with no cast', () => {
    const app = express()
    const handler: express.RequestHandler = (req, res) => {
      expectTypeOf(req.slackRawBody).toEqualTypeOf<Buffer | undefined>()
      expectTypeOf(req.slackVerification).toEqualTypeOf<SlackVerification | undefined>()
      expectTypeOf<SlackVerification['secretIndex']>().toEqualTypeOf<number>()
      res.json({ bytes: req.slackRawBody?.length, secretIndex: req.slackVerification?.secretIndex })
    }
    app.post('/slack/events', slackVerificationMiddleware({ secrets: ['a-signing-secret-of-32-characters'] }), handler)
    expect(app.router.stack.length).toBeGreaterThan(0)
  })
})

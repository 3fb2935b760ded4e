// Library mode with Express: the middleware verifies Slack's signature over the raw body,
// then parses it; the handler reads the parsed body, the bytes and the verification from
// Express's own Request type (no cast). Run from a built checkout:
//   SLACK_SIGNING_SECRET=... node --import tsx examples/express-slack.ts
import express, { type Express } from 'express'
import { slackVerificationMiddleware, type SlackVerifierOptions } from 'slackgate'

export function createExpressSlackApp(options: SlackVerifierOptions): Express {
  const app = express()
  // Mount it before any body parser (or after express.raw()): a parsed body's bytes are gone.
  app.post('/slack/commands', slackVerificationMiddleware(options), (req, res) => {
    const { command, text } = req.body as { command: string; text: string }
    res.json({
      response_type: 'ephemeral',
      text: `${command} ${text}: on it`,
      verifiedBytes: req.slackRawBody?.length,
      secretIndex: req.slackVerification?.secretIndex,
    })
  })
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  createExpressSlackApp({ secrets: [process.env.SLACK_SIGNING_SECRET ?? ''] }).listen(3002, '127.0.0.1')
}

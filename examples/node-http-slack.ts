// Library mode with Node's own http server: read the body raw (capped while reading), check
// Slack's signature over those bytes, and only then decode it. Run from a checkout that was
// built (`npm install` builds dist/):
//   SLACK_SIGNING_SECRET=... node --import tsx examples/node-http-slack.ts
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createSlackSignatureVerifier, decodeSlackRequest, type SlackVerifierOptions } from 'slackgate'

/** A server that answers Slack's slash commands, and refuses anything Slack did not sign. */
export function createSlashCommandServer(options: SlackVerifierOptions): Server {
  // The same options as the Fastify plugin, the Express middleware and the fetch verifier.
  const verify = createSlackSignatureVerifier(options)
  const limit = options.bodyLimit ?? 1024 * 1024
  return createServer(async (req, res) => {
    const body = await readBody(req, limit)
    if (body === undefined) return answer(res, 413, { error: 'body_too_large' })
    const result = verify({ body, timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] })
    if (!result.ok) return answer(res, result.reason === 'body_too_large' ? 413 : 401, { error: result.reason })
    // Only now is anything in the body read.
    const decoded = decodeSlackRequest('commands', body)
    if (!decoded.ok) return answer(res, 400, { error: decoded.reason })
    if (decoded.request.kind !== 'command') return answer(res, 400, { error: 'invalid_payload' })
    answer(res, 200, { response_type: 'ephemeral', text: `${decoded.request.command} ${decoded.request.text}: on it` })
  })
}

function answer(res: ServerResponse, status: number, body: object): void {
  // An oversize body was not read to its end: the connection cannot be reused.
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 413 && { connection: 'close' }) }).end(JSON.stringify(body))
}

/** The body as received, or undefined once it passes `limit` (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  createSlashCommandServer({ secrets: [process.env.SLACK_SIGNING_SECRET ?? ''] }).listen(3001, '127.0.0.1')
}

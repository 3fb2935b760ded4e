// Baseline: what a team would write by hand with nothing but node:http and node:crypto.
// Reads the body, verifies Slack's v0 signature and timestamp window, answers 200.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'

const secret = process.env.SLACK_SIGNING_SECRET as string
const port = Number(process.env.PORT)

function verified(timestamp: unknown, signature: unknown, body: Buffer): boolean {
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !signature.startsWith('v0=')) return false
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest()
  const provided = Buffer.from(signature.slice(3), 'hex')
  return provided.length === expected.length && timingSafeEqual(expected, provided)
}

createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const ok = verified(req.headers['x-slack-request-timestamp'], req.headers['x-slack-signature'], Buffer.concat(chunks))
    res.writeHead(ok ? 200 : 401).end()
  })
}).listen(port, '127.0.0.1')

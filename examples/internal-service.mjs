// A tiny internal service that receives what slackgate forwards: run `node examples/internal-service.mjs`.
// Each request is a JSON ForwardedRequest; X-Slackgate-Job-Id stays the same across retries,
// so a service that must not act twice remembers the ids it has handled.
import { createServer } from 'node:http'

const port = Number(process.env.PORT ?? 4000)
const handled = new Set()

createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const jobId = req.headers['x-slackgate-job-id']
    if (req.method !== 'POST' || typeof jobId !== 'string') {
      res.writeHead(400).end()
      return
    }
    if (!handled.has(jobId)) {
      handled.add(jobId)
      const forwarded = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const { kind, type, context } = forwarded.request
      process.stdout.write(`${JSON.stringify({ received: jobId, route: forwarded.route, kind, type, team: context.teamId, user: context.userId })}\n`)
    }
    res.writeHead(204).end()
  })
}).listen(port, '127.0.0.1', () => process.stdout.write(`internal service listening on http://127.0.0.1:${port}\n`))

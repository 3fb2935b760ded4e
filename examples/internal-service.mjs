// A tiny internal service that receives what slackgate forwards: run `node examples/internal-service.mjs`
// (from a checkout where `npm install` has built the package; `slackgate` below is this package).
// Every forward carries a token the gateway minted (`Authorization: Bearer`): it is checked
// against the gateway's public keys (GET /.well-known/jwks.json), its issuer, this service's
// audience and expiry, and against the digest of the exact body received, before anything in
// the body is used. Each request is a JSON ForwardedRequest; its job id (the token's jti,
// also X-Slackgate-Job-Id) stays the same across retries, so a service that must not act
// twice remembers the ids it has handled.
import { createServer } from 'node:http'
import { GatewayTokenError, verifyGatewayToken } from 'slackgate'

const port = Number(process.env.PORT ?? 4000)
const tokenOptions = {
  jwksUrl: `${process.env.SLACKGATE_URL ?? 'http://127.0.0.1:3000'}/.well-known/jwks.json`,
  issuer: process.env.SLACKGATE_ISSUER ?? 'slackgate', // the gateway's tokens.issuer
  audience: process.env.AUDIENCE ?? `http://127.0.0.1:${port}`, // the route's forward.audience, else the forward URL's origin
}
const handled = new Set()

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body))
}

createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', async () => {
    if (req.method !== 'POST') return answer(res, 405, { error: 'method_not_allowed' })
    const body = Buffer.concat(chunks)
    let claims
    try {
      claims = await verifyGatewayToken({ headers: req.headers, body }, tokenOptions)
    } catch (err) {
      if (!(err instanceof GatewayTokenError)) return answer(res, 500, { error: 'internal_error' })
      // The key set could not be fetched: 503, so the gateway retries. Anything else is refused.
      return answer(res, err.code === 'jwks_unavailable' ? 503 : 401, { error: err.code })
    }
    if (!handled.has(claims.jobId)) {
      handled.add(claims.jobId)
      const forwarded = JSON.parse(body.toString('utf8'))
      const { kind, type, context } = forwarded.request
      process.stdout.write(`${JSON.stringify({ received: claims.jobId, route: claims.route, kind, type, team: context.teamId, user: context.userId, verified: true })}\n`)
    }
    answer(res, 204)
  })
}).listen(port, '127.0.0.1', () => process.stdout.write(`internal service listening on http://127.0.0.1:${port}\n`))

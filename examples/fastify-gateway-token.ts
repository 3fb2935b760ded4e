// An internal service, in Fastify, that receives what slackgate forwards and accepts it only
// with a valid gateway token: signed by a key in the gateway's JWKS, issued by the gateway,
// for this service's audience, unexpired, and minted for exactly the body received.
// Run from a built checkout, next to a gateway on 127.0.0.1:3000:
//   node --import tsx examples/fastify-gateway-token.ts
import Fastify, { type FastifyInstance } from 'fastify'
import { GatewayTokenError, verifyGatewayToken, type ForwardedRequest, type VerifyGatewayTokenOptions } from 'slackgate'

export function createApprovalService(options: VerifyGatewayTokenOptions): FastifyInstance {
  const app = Fastify()
  // Keep JSON bodies as the bytes received: the token's body_sha256 is their digest, and a
  // parsed-then-serialised object would not match. Parse only once the token verified.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  const handled = new Set<string>()
  app.post<{ Body: Buffer }>('/approve', async (request, reply) => {
    try {
      const claims = await verifyGatewayToken({ headers: request.headers, body: request.body }, options)
      const forwarded = JSON.parse(request.body.toString('utf8')) as ForwardedRequest
      // The job id is stable across the gateway's retries: act once per job.
      const duplicate = handled.has(claims.jobId)
      handled.add(claims.jobId)
      return { ok: true, jobId: claims.jobId, route: claims.route, kind: forwarded.request.kind, duplicate }
    } catch (err) {
      if (err instanceof GatewayTokenError) return reply.code(401).send({ error: err.code })
      throw err
    }
  })
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = createApprovalService({
    jwksUrl: 'http://127.0.0.1:3000/.well-known/jwks.json',
    issuer: 'slackgate',
    audience: 'http://127.0.0.1:4001', // the route's forward.audience, else its forward URL's origin
  })
  await service.listen({ port: 4001, host: '127.0.0.1' })
}

import { joinedHeaderValue } from './header-value.js'
import { BodyTooLargeError, readBody } from './read-body.js'
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, verifySlackSignature } from './slack-signature.js'
import { resolveVerifierOptions, type SlackVerifierOptions } from './verifier-options.js'

/**
 * Web-standard verifier for fetch-style runtimes (`Request` in, `Response` out).
 * Resolves to `null` when the signature verified, so the caller goes on and may still
 * read the request body (a clone is what gets read here); otherwise to the error
 * `Response` to return as is.
 *
 * @example
 * const verify = createSlackRequestVerifier({ secrets: [env.SLACK_SIGNING_SECRET] })
 * export default { async fetch(request) { return (await verify(request)) ?? handle(request) } }
 */
export function createSlackRequestVerifier(options: SlackVerifierOptions): (request: Request) => Promise<Response | null> {
  const resolved = resolveVerifierOptions(options)
  return async function verifySlackRequest(request: Request): Promise<Response | null> {
    let raw: Buffer
    try {
      const body = request.clone().body
      raw = body === null ? Buffer.alloc(0) : await readBody(chunksOf(body), resolved.bodyLimit, request.headers.get('content-length'))
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errorResponse(413, err.code)
      throw err
    }
    const result = verifySlackSignature(
      {
        body: raw,
        timestamp: joinedHeaderValue(request.headers, SLACK_TIMESTAMP_HEADER),
        signature: joinedHeaderValue(request.headers, SLACK_SIGNATURE_HEADER),
      },
      resolved.verifyOptions(),
    )
    return result.ok ? null : errorResponse(401, result.reason)
  }
}

/**
 * The chunks of a web stream, for readBody. Stopping early cancels the stream without
 * waiting for it: the stream of a cloned Request is one branch of a tee, whose cancel
 * settles only once the other branch (the caller's request) is cancelled too, which may
 * never happen. Awaiting it, as `for await` does, hung every oversize body without a
 * Content-Length.
 */
function chunksOf(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const reader = stream.getReader()
      return {
        next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
        return: () => {
          reader.cancel().catch(() => undefined)
          return Promise.resolve({ done: true, value: undefined })
        },
      }
    },
  }
}

function errorResponse(status: number, code: string): Response {
  return new Response(JSON.stringify({ error: code }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })
}

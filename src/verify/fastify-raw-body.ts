import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Makes an encapsulated Fastify context keep bodies as raw Buffers for the given media
 * types, read once and capped at `bodyLimit` while reading (413 before any hashing).
 * Every other media type gets Fastify's 415.
 */
export function useRawBodyParsers(instance: FastifyInstance, contentTypes: readonly string[], bodyLimit: number): void {
  instance.removeAllContentTypeParsers()
  instance.addContentTypeParser([...contentTypes], { parseAs: 'buffer', bodyLimit }, keepRaw)
}

function keepRaw(_request: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void): void {
  done(null, body)
}

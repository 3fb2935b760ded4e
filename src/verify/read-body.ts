/** The body is larger than the configured limit; nothing beyond the limit was buffered. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  readonly code = 'body_too_large'
  readonly statusCode = 413
}

/**
 * Buffers a body stream, stopping as soon as it exceeds `limit` bytes, so an oversize
 * body is refused before any of it is hashed. A declared Content-Length over the limit
 * is refused before reading at all.
 */
export async function readBody(
  stream: AsyncIterable<Uint8Array | string>,
  limit: number,
  declaredLength?: string | null,
): Promise<Buffer> {
  if (declaredLength != null && declaredLength !== '' && Number(declaredLength) > limit) {
    throw new BodyTooLargeError('body exceeds the limit')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    size += buf.length
    if (size > limit) throw new BodyTooLargeError('body exceeds the limit')
    chunks.push(buf)
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)
}

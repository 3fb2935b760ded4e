/** What the gateway answered a request in its ack: the exact body sent ('' for an empty 200). */
export interface StoredAnswer {
  readonly status: number
  readonly body: string
}

/**
 * The answers the gateway gave in its acks, each kept for the replay TTL under the request's
 * primary nonce key. A duplicate of a request whose handler answered in the ack (an exact
 * replay, or Slack's retry) must get the same answer without the handler running again, on
 * any instance and after a restart: so the answer is stored, not recomputed. The first
 * answer of a key wins, so that of two instances racing on one request, both reply alike.
 * An adapter that cannot answer rejects with AnswerStoreUnavailableError.
 *
 * @example
 * await answers.put('trigger:123.456', { status: 200, body: '{"response_action":"clear"}' }, 600) // true
 * await answers.get('trigger:123.456') // { status: 200, body: '{"response_action":"clear"}' }
 */
export interface AnswerStore {
  /** Keeps `answer` for `key` for `ttlSeconds`; a later put of the same key does not replace it (first answer wins), and resolves false then. */
  put(key: string, answer: StoredAnswer, ttlSeconds: number): Promise<boolean>
  /** The answer kept for `key`, if it is still live. */
  get(key: string): Promise<StoredAnswer | undefined>
  /** Resolves when the store answers; for /readyz. */
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * The answer store failed: the caller answers 503 (fail closed: Slack retries, and the
 * handler's answer is not given twice differently). The cause is kept for the logs; the
 * message never holds the key, which may carry a signature.
 */
export class AnswerStoreUnavailableError extends Error {
  override readonly name = 'AnswerStoreUnavailableError'
  readonly code = 'answer_store_unavailable'
  readonly httpStatus = 503
  constructor(options?: { cause?: unknown }) {
    super('answer_store_unavailable', options)
  }
}

/** Runs `work`, turning any failure of the store into an AnswerStoreUnavailableError. */
export async function orUnavailable<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (cause) {
    throw new AnswerStoreUnavailableError({ cause })
  }
}

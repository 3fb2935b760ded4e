/**
 * What became of a request, for its log line. Set by the stage that answered it.
 * `verdict` says which way it went, `reason` the stable code for a refusal.
 */
export interface RequestOutcome {
  readonly verdict: 'accepted' | 'answered' | 'duplicate' | 'unrouted' | 'rejected' | 'denied' | 'handshake' | 'ssl_check'
  readonly reason?: string
  /** The decoded Slack request kind, once known (never anything from an unverified body). */
  readonly kind?: string
  readonly detail?: string
  /** The route that matched, and the job it became. */
  readonly route?: string
  /** The access rule that allowed or refused it (`public`, `deny` or a rule's name). */
  readonly rule?: string
  readonly jobId?: string
  /** A workflow call's verified token subject. */
  readonly subject?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    outcome: RequestOutcome | null
  }
}

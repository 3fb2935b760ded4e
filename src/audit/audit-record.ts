/**
 * What a record is about: one inbound request, one delivery attempt, a Slack lifecycle event,
 * a custom step, or an action in the admin console (`admin`: sign-ins, sign-outs, refusals,
 * job retries and drops; see admin/admin-record.ts).
 */
export type AuditKind = 'request' | 'delivery' | 'lifecycle' | 'step' | 'admin'

/**
 * One audit record, as written. It holds who, where, what and the verdict, never a secret:
 * no signing secret, token, signature or `Authorization` header (nonce keys derived from a
 * signature are stored as a digest), and the body only as its SHA-256 unless the route opts
 * in to storing payloads.
 */
export interface AuditRecord {
  /** Epoch milliseconds. */
  readonly at: number
  readonly kind: AuditKind
  readonly requestId?: string
  /** `events`, `commands`, `interactions` or `workflows`. */
  readonly source?: string
  /**
   * Requests: `accepted`, `duplicate`, `unrouted`, `denied`, `rejected`, `handshake`,
   * `ssl_check`. Deliveries: `delivered`, `retrying`, `dead`. Lifecycle: `recorded`.
   * Steps: `completed`, `failed`, `already_completed`, `not_completed`. Admin: see
   * `AdminVerdict` (`login`, `login_failed`, `locked_out`, `logout`, `refused`, …).
   */
  readonly verdict: string
  /** The stable reason code of a refusal or failure. */
  readonly reason?: string
  /** What was asked: a command, an event type, an action id, a workflow name. */
  readonly type?: string
  readonly teamId?: string
  readonly enterpriseId?: string
  readonly channelId?: string
  readonly userId?: string
  /** A workflow call's token subject; a custom step's function_execution_id. */
  readonly subject?: string
  readonly route?: string
  /** The access rule that allowed or refused it. */
  readonly rule?: string
  readonly nonceKeys?: readonly string[]
  readonly jobId?: string
  /** Where a delivery went: `handler:<route>` or the forward URL's origin and path. */
  readonly target?: string
  readonly attempt?: number
  /** A delivery's error, in short. */
  readonly outcome?: string
  /** SHA-256 (hex) of the raw body. */
  readonly bodySha256?: string
  /** The verified payload as JSON, only for routes that opt in. */
  readonly payload?: string
}

/** A record as stored: its place in the chain and the hashes that link it. */
export interface StoredAuditRecord extends AuditRecord {
  readonly seq: number
  readonly prevHash: string
  readonly hash: string
}

/** The columns of a record, in the order they are hashed and stored. Never reorder: append. */
export const AUDIT_FIELDS = [
  'at',
  'kind',
  'requestId',
  'source',
  'verdict',
  'reason',
  'type',
  'teamId',
  'enterpriseId',
  'channelId',
  'userId',
  'subject',
  'route',
  'rule',
  'nonceKeys',
  'jobId',
  'target',
  'attempt',
  'outcome',
  'bodySha256',
  'payload',
] as const satisfies ReadonlyArray<keyof AuditRecord>

/**
 * Who belongs to which Slack user group, as far as one decision needs to know. `isMember`
 * answers `undefined` when the directory could not find out (Slack unreachable and nothing
 * cached): the policy then denies with `directory_unavailable`, never allows.
 */
export interface Membership {
  isMember(groupId: string, userId: string): boolean | undefined
}

/**
 * The Directory port: user group membership, from a static map in config or live from
 * Slack's `usergroups.users.list`. `membership` never rejects: what it cannot learn within
 * its latency budget it reports as unknown. Adapters that fetch answer synchronously when
 * every group asked for is cached, so a warm lookup costs no extra tick.
 */
export interface Directory {
  membership(groupIds: readonly string[]): Membership | Promise<Membership>
  /** Stops background refreshes. */
  close(): void
}

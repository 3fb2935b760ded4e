import type { Directory, Membership } from './directory.js'

/**
 * Directory from a fixed map in config: group id → user ids. The sets are built once, in a
 * Map, so a group named `__proto__` or `constructor` is just a key, never the prototype.
 * A group the map does not name has no members (`false`, not `undefined`): the answer is
 * certain, and config validation refuses rules that name unknown groups anyway.
 *
 * @example
 * ```ts
 * const directory = createStaticDirectory({ S0ADMINS: ['U1', 'U2'] })
 * directory.membership(['S0ADMINS']).isMember('S0ADMINS', 'U1') // true
 * ```
 */
export function createStaticDirectory(groups: Readonly<Record<string, readonly string[]>>): Directory {
  const sets = new Map<string, ReadonlySet<string>>()
  for (const [groupId, users] of Object.entries(groups)) sets.set(groupId, new Set(users))
  const membership: Membership = {
    isMember: (groupId, userId) => sets.get(groupId)?.has(userId) ?? false,
  }
  return {
    membership: () => membership,
    close() {},
  }
}

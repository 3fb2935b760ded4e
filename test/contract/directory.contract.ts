import { afterEach, describe, expect, it } from 'vitest'
import type { Directory, Membership } from '../../src/policy/directory.js'

export interface DirectoryFixture {
  readonly directory: Directory
  cleanup?(): Promise<void>
}

/** Group id → user ids: what the adapter under test must come to know. */
export type DirectoryGroups = Readonly<Record<string, readonly string[]>>

/** The Directory contract; every adapter's test calls it with a factory that seeds `groups`. */
export function describeDirectory(name: string, setup: (groups: DirectoryGroups) => Promise<DirectoryFixture>): void {
  describe(`Directory contract: ${name}`, () => {
    const fixtures: DirectoryFixture[] = []
    async function membership(groups: DirectoryGroups, groupIds: readonly string[]): Promise<Membership> {
      const fixture = await setup(groups)
      fixtures.push(fixture)
      return await fixture.directory.membership(groupIds)
    }
    afterEach(async () => {
      for (const f of fixtures.splice(0)) {
        f.directory.close()
        await f.cleanup?.()
      }
    })

    it('says members are members', async () => {
      const m = await membership({ S0ADMINS: ['U1', 'U2'] }, ['S0ADMINS'])
      expect(m.isMember('S0ADMINS', 'U1')).toBe(true)
      expect(m.isMember('S0ADMINS', 'U2')).toBe(true)
    })

    it('says non-members are not, including an unknown user', async () => {
      const m = await membership({ S0ADMINS: ['U1'], S0OTHERS: ['U2'] }, ['S0ADMINS'])
      expect(m.isMember('S0ADMINS', 'U2')).toBe(false)
      expect(m.isMember('S0ADMINS', 'U0NOBODY')).toBe(false)
      expect(m.isMember('S0ADMINS', '')).toBe(false)
      expect(m.isMember('S0ADMINS', 'u1')).toBe(false)
    })

    it('answers for several groups asked for in one call', async () => {
      const groups = { S0ADMINS: ['U1'], S0ONCALL: ['U2', 'U3'], S0AUDIT: ['U1', 'U3'] }
      const m = await membership(groups, ['S0ADMINS', 'S0ONCALL', 'S0AUDIT'])
      expect(m.isMember('S0ADMINS', 'U1')).toBe(true)
      expect(m.isMember('S0ADMINS', 'U2')).toBe(false)
      expect(m.isMember('S0ONCALL', 'U2')).toBe(true)
      expect(m.isMember('S0ONCALL', 'U1')).toBe(false)
      expect(m.isMember('S0AUDIT', 'U3')).toBe(true)
      expect(m.isMember('S0AUDIT', 'U2')).toBe(false)
    })

    it('knows an empty group has no members', async () => {
      const m = await membership({ S0EMPTY: [], S0ADMINS: ['U1'] }, ['S0EMPTY'])
      expect(m.isMember('S0EMPTY', 'U1')).toBe(false)
    })

    it('says nobody belongs to a group that does not exist (false, not unknown)', async () => {
      const m = await membership({ S0ADMINS: ['U1'] }, ['S0GONE'])
      expect(m.isMember('S0GONE', 'U1')).toBe(false)
    })

    it('answers again, the same, for a second call', async () => {
      const fixture = await setup({ S0ADMINS: ['U1'] })
      fixtures.push(fixture)
      const first = await fixture.directory.membership(['S0ADMINS'])
      const second = await fixture.directory.membership(['S0ADMINS'])
      expect([first.isMember('S0ADMINS', 'U1'), second.isMember('S0ADMINS', 'U1')]).toEqual([true, true])
      expect([first.isMember('S0ADMINS', 'U9'), second.isMember('S0ADMINS', 'U9')]).toEqual([false, false])
    })
  })
}

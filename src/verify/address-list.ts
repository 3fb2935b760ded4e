import { BlockList, isIPv4, isIPv6 } from 'node:net'

/** Addresses and CIDR ranges, IPv4 and IPv6, to test a peer's address against. */
export interface AddressList {
  includes(address: string | undefined): boolean
}

export type AddressRange = { readonly ok: true; readonly address: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' } | { readonly ok: false; readonly message: string }

/**
 * Parses `10.0.0.1`, `10.0.0.0/8`, `2001:db8::1` or `2001:db8::/32`. A range of every
 * address (`/0`) and IPv6 zone ids (`fe80::1%eth0`) are refused: the first trusts anyone,
 * the second names an interface, not a peer.
 *
 * @example parseAddressRange('10.0.0.0/8') // { ok: true, address: '10.0.0.0', prefix: 8, family: 'ipv4' }
 */
export function parseAddressRange(text: string): AddressRange {
  const slash = text.indexOf('/')
  const address = slash < 0 ? text : text.slice(0, slash)
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : undefined
  if (family === undefined) return { ok: false, message: 'must be an IPv4 or IPv6 address, or a CIDR range such as 10.0.0.0/8' }
  const max = family === 'ipv4' ? 32 : 128
  if (slash < 0) return { ok: true, address, prefix: max, family }
  const bits = text.slice(slash + 1)
  if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) return { ok: false, message: `the prefix length must be 1 to ${max}` }
  if (Number(bits) === 0) return { ok: false, message: 'a /0 range trusts every address: list your proxies' }
  return { ok: true, address, prefix: Number(bits), family }
}

/**
 * Builds the list once, at startup. Lookups match IPv4-mapped IPv6 (`::ffff:127.0.0.1`, as a
 * dual-stack socket reports an IPv4 peer) against IPv4 entries and the other way round.
 * An address that is not an IP at all is never included.
 *
 * @example createAddressList(['127.0.0.1', '10.0.0.0/8']).includes('::ffff:10.1.2.3') // true
 */
export function createAddressList(entries: readonly string[]): AddressList {
  const list = new BlockList()
  for (const entry of entries) {
    const range = parseAddressRange(entry)
    if (!range.ok) throw new Error(`not an address or range: ${entry}`)
    list.addSubnet(range.address, range.prefix, range.family)
  }
  return {
    includes(address) {
      if (address === undefined) return false
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : undefined
      return family !== undefined && list.check(address, family)
    },
  }
}

import type { AddressList } from '../../verify/address-list.js'

/**
 * The address a console request came from, for the per-address sign-in throttle. Behind a
 * reverse proxy every request reaches the gateway from the proxy, and one client's failures
 * would lock everyone out; so when the peer is one of `trusted` (`admin.trustedProxies`), the
 * client is read from `X-Forwarded-For`, right to left, skipping the trusted hops: the first
 * address no trusted proxy wrote itself is the client. A peer that is not trusted is the
 * client whatever the header says, so nobody can pick an address by sending one.
 *
 * @example
 * clientAddress('10.0.0.5', '198.51.100.7, 10.0.0.9', createAddressList(['10.0.0.0/8'])) // '198.51.100.7'
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: AddressList): string {
  const remote = peer ?? ''
  if (!trusted.includes(remote) || forwardedFor === undefined) return remote
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim())
  let client = remote
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string
    if (hop === '') break
    client = hop
    if (!trusted.includes(hop)) break
  }
  return client
}

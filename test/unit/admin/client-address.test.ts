import { describe, expect, it } from 'vitest'
import { clientAddress } from '../../../src/admin/security/client-address.js'
import { createAddressList } from '../../../src/verify/address-list.js'

const proxies = createAddressList(['10.0.0.0/8', '192.0.2.1'])
const none = createAddressList([])

describe('clientAddress', () => {
  it('is the peer when the peer is no trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress('198.51.100.7', '203.0.113.5', proxies)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', '203.0.113.5', none)).toBe('10.0.0.5')
    expect(clientAddress(undefined, '203.0.113.5', proxies)).toBe('')
  })

  it('behind trusted proxies, is the first hop from the right that no trusted proxy is', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.5', proxies)).toBe('203.0.113.5')
    // The client sent its own X-Forwarded-For: the proxy appended the real peer, which wins.
    expect(clientAddress('10.0.0.5', '1.1.1.1, 203.0.113.5', proxies)).toBe('203.0.113.5')
    // Two proxies in a row: both skipped.
    expect(clientAddress('10.0.0.5', '203.0.113.5, 192.0.2.1, 10.1.1.1', proxies)).toBe('203.0.113.5')
    // A dual-stack socket reports an IPv4 proxy as IPv4-mapped IPv6.
    expect(clientAddress('::ffff:10.0.0.5', '203.0.113.5', proxies)).toBe('203.0.113.5')
    // Headers sent twice are read as one list.
    expect(clientAddress('10.0.0.5', ['1.1.1.1', '203.0.113.5'], proxies)).toBe('203.0.113.5')
  })

  it('behind trusted proxies, without a usable header: the last address a trusted hop gave', () => {
    expect(clientAddress('10.0.0.5', undefined, proxies)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', '10.0.0.6', proxies)).toBe('10.0.0.6')
    expect(clientAddress('10.0.0.5', '203.0.113.5, , 10.0.0.6', proxies)).toBe('10.0.0.6')
  })
})

import { describe, expect, it } from 'vitest'
import { createAddressList, parseAddressRange } from '../../../src/verify/address-list.js'

describe('address ranges', () => {
  it.each([
    ['10.0.0.1', { ok: true, address: '10.0.0.1', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/8', { ok: true, address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['10.0.0.0/32', { ok: true, address: '10.0.0.0', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/1', { ok: true, address: '10.0.0.0', prefix: 1, family: 'ipv4' }],
    ['2001:db8::1', { ok: true, address: '2001:db8::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { ok: true, address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['2001:db8::/128', { ok: true, address: '2001:db8::', prefix: 128, family: 'ipv6' }],
  ])('parses %s', (text, range) => {
    expect(parseAddressRange(text)).toEqual(range)
  })

  it.each([
    ['proxy.internal', 'must be an IPv4 or IPv6 address, or a CIDR range such as 10.0.0.0/8'],
    ['fe80::1%eth0', 'must be an IPv4 or IPv6 address, or a CIDR range such as 10.0.0.0/8'],
    ['10.0.0.0/33', 'the prefix length must be 1 to 32'],
    ['2001:db8::/129', 'the prefix length must be 1 to 128'],
    ['10.0.0.0/', 'the prefix length must be 1 to 32'],
    ['10.0.0.0/8a', 'the prefix length must be 1 to 32'],
    ['10.0.0.0/1000', 'the prefix length must be 1 to 32'],
    ['10.0.0.0/0', 'a /0 range trusts every address: list your proxies'],
    ['::/0', 'a /0 range trusts every address: list your proxies'],
  ])('refuses %s', (text, message) => {
    expect(parseAddressRange(text)).toEqual({ ok: false, message })
  })
})

describe('address lists', () => {
  const list = createAddressList(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '2001:db8::1'])

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['10.255.1.2', true],
    ['11.0.0.1', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:127.0.0.1', true],
    ['fd12::5', true],
    ['fe80::1', false],
    ['2001:db8::1', true],
    ['2001:db8::2', false],
    ['fd00::1%eth0', false],
    ['not-an-ip', false],
    ['', false],
    [undefined, false],
  ])('%s is included: %s', (address, included) => {
    expect(list.includes(address)).toBe(included)
  })

  it('matches an IPv4 peer seen as IPv4-mapped IPv6 against IPv4 entries, and the other way round', () => {
    expect(createAddressList(['::ffff:10.0.0.0/104']).includes('10.1.2.3')).toBe(true)
  })

  it('refuses a list with an entry that is not an address, naming it', () => {
    expect(() => createAddressList(['127.0.0.1', 'proxy.internal'])).toThrow('not an address or range: proxy.internal')
  })
})

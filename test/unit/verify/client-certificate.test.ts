import { describe, expect, it } from 'vitest'
import { createAddressList, parseAddressRange } from '../../../src/verify/address-list.js'
import { checkClientCertificate, checkProxiedCertificate, type PeerCertificateLike } from '../../../src/verify/client-certificate.js'

const NAME = 'platform-tls-client.slack.com'

function verdict(certificate: PeerCertificateLike | undefined, authorized = true) {
  return checkClientCertificate({ certificate, authorized }, NAME)
}

describe('checkClientCertificate', () => {
  it('accepts the name in a SAN DNS entry', () => {
    expect(verdict({ subjectaltname: `DNS:${NAME}`, subject: { CN: NAME } })).toEqual({ ok: true })
  })

  it('accepts the name among other SAN entries, in any position', () => {
    expect(verdict({ subjectaltname: `DNS:a.example, IP Address:10.0.0.1, DNS:${NAME}, email:x@example.com` })).toEqual({ ok: true })
  })

  it('compares DNS names ASCII case-insensitively (RFC 4343)', () => {
    expect(verdict({ subjectaltname: 'DNS:Platform-TLS-Client.Slack.COM' })).toEqual({ ok: true })
  })

  it('accepts a subject CN only when there is no SAN at all', () => {
    expect(verdict({ subject: { CN: NAME } })).toEqual({ ok: true })
    expect(verdict({ subjectaltname: '', subject: { CN: NAME } })).toEqual({ ok: true })
  })

  it.each([
    ['another subdomain of slack.com', { subjectaltname: 'DNS:evil.slack.com' }],
    ['a wildcard', { subjectaltname: 'DNS:*.slack.com' }],
    ['a trailing dot', { subjectaltname: `DNS:${NAME}.` }],
    ['a longer name ending in the name', { subjectaltname: `DNS:x.${NAME}` }],
    ['a name with a prefix', { subjectaltname: `DNS:evil${NAME}` }],
    ['the right CN but another SAN', { subjectaltname: 'DNS:other.example', subject: { CN: NAME } }],
    ['the right CN and a SAN with only an IP address', { subjectaltname: 'IP Address:127.0.0.1', subject: { CN: NAME } }],
    ['the name as a URI, not a DNS entry', { subjectaltname: `URI:${NAME}` }],
    ['the name as an email, not a DNS entry', { subjectaltname: `email:${NAME}` }],
    ['a Unicode look-alike (KELVIN SIGN for k)', { subjectaltname: `DNS:${NAME.replace('k', '\u212a')}` }],
    ['a CN with a wildcard and no SAN', { subject: { CN: '*.slack.com' } }],
    ['two CNs and no SAN', { subject: { CN: [NAME, 'evil.example'] } }],
    ['neither SAN nor CN', { subject: { O: 'Slack' } as PeerCertificateLike['subject'] }],
    // Node writes a value holding ", " as a JSON string: it is one entry, not two.
    ['a quoted SAN smuggling a second entry', { subjectaltname: `DNS:"evil.example\\u002c DNS:${NAME}"` }],
    ['a quoted SAN smuggling a second entry (comma unescaped)', { subjectaltname: `DNS:"evil.example, DNS:${NAME}"` }],
    ['a SAN that does not parse', { subjectaltname: `DNS:"${NAME}` }],
  ] as const)('refuses %s: client_certificate_mismatch', (_what, certificate) => {
    expect(verdict(certificate as PeerCertificateLike)).toEqual({ ok: false, reason: 'client_certificate_mismatch' })
  })

  it('reads a quoted SAN entry as the one name it is', () => {
    // As Node prints it (CVE-2021-44532): the comma escaped inside a JSON string.
    expect(verdict({ subjectaltname: `DNS:"x\\u002cy.example", DNS:${NAME}` })).toEqual({ ok: true })
  })

  it('refuses no certificate: client_certificate_missing', () => {
    expect(verdict(undefined, false)).toEqual({ ok: false, reason: 'client_certificate_missing' })
    // Node's getPeerCertificate() when the client sent none.
    expect(verdict({}, false)).toEqual({ ok: false, reason: 'client_certificate_missing' })
  })

  it('refuses a certificate that does not chain to the CA before reading its names: client_certificate_untrusted', () => {
    expect(verdict({ subjectaltname: `DNS:${NAME}` }, false)).toEqual({ ok: false, reason: 'client_certificate_untrusted' })
  })
})

describe('checkProxiedCertificate', () => {
  const trusted = createAddressList(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'])
  const check = (remoteAddress: string | undefined, header: string | readonly string[] | undefined) => checkProxiedCertificate({ remoteAddress, header }, trusted, NAME)

  it.each(['127.0.0.1', '10.20.30.40', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '2001:db8:ffff::7'])('trusts the header from %s', (address) => {
    expect(check(address, NAME)).toEqual({ ok: true })
  })

  it.each([
    ['another name', 'evil.slack.com'],
    ['a trailing dot', `${NAME}.`],
    ['another case (the proxy passes the SAN as the certificate states it)', NAME.toUpperCase()],
    ['the name with the DNS: prefix', `DNS:${NAME}`],
    ['two names joined', `${NAME}, evil.slack.com`],
    ['the header sent twice', [NAME, NAME]],
  ])('refuses %s from a trusted proxy: client_certificate_mismatch', (_what, header) => {
    expect(check('10.0.0.1', header)).toEqual({ ok: false, reason: 'client_certificate_mismatch' })
  })

  it('refuses a trusted proxy request without the header (or empty): client_certificate_missing', () => {
    expect(check('127.0.0.1', undefined)).toEqual({ ok: false, reason: 'client_certificate_missing' })
    expect(check('127.0.0.1', '')).toEqual({ ok: false, reason: 'client_certificate_missing' })
  })

  it.each(['192.168.1.1', '11.0.0.1', '::1', '::ffff:192.168.1.1', '2001:db9::1', 'fe80::1%eth0', 'not-an-ip', undefined])(
    'refuses the header from %s: untrusted_proxy_header; without it, client_certificate_missing',
    (address) => {
      expect(check(address, NAME)).toEqual({ ok: false, reason: 'untrusted_proxy_header' })
      expect(check(address, '')).toEqual({ ok: false, reason: 'untrusted_proxy_header' })
      expect(check(address, undefined)).toEqual({ ok: false, reason: 'client_certificate_missing' })
    },
  )
})

describe('parseAddressRange', () => {
  it.each([
    ['10.0.0.1', { address: '10.0.0.1', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
  ])('reads %s', (text, range) => {
    expect(parseAddressRange(text)).toEqual({ ok: true, ...range })
  })

  it.each(['', 'localhost', '10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/0', '::/0', '::/129', 'fe80::1%eth0', '10.0.0.0/8/8'])(
    'refuses %j',
    (text) => {
      expect(parseAddressRange(text).ok).toBe(false)
    },
  )
})

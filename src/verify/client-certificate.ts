import type { HeaderValue } from './header-value.js'
import type { AddressList } from './address-list.js'
import type { TlsCode } from './tls-errors.js'

/** The part of Node's `tls.PeerCertificate` the check reads. */
export interface PeerCertificateLike {
  /** e.g. `DNS:a.example, DNS:b.example, IP Address:127.0.0.1`; values Node had to escape are JSON strings. */
  readonly subjectaltname?: string
  readonly subject?: { readonly CN?: string | readonly string[] }
}

/** What the TLS layer knows of the client: its certificate, and whether it chains to the configured CA. */
export interface ClientCertificateInput {
  /** Node's `getPeerCertificate()`: an empty object when the client sent none. */
  readonly certificate: PeerCertificateLike | undefined
  /** `TLSSocket.authorized`: the certificate verified against the configured CA bundle. */
  readonly authorized: boolean
}

export type ClientCertificateVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: TlsCode }

const OK: ClientCertificateVerdict = Object.freeze({ ok: true })
const reject = (reason: TlsCode): ClientCertificateVerdict => ({ ok: false, reason })

/**
 * Decides whether a verified client certificate names `expectedName` (a lowercase DNS name).
 * In order: a certificate was sent; it chains to the configured CA; one of its SAN DNS
 * entries is exactly the name. The subject CN counts only when the certificate has no SAN at
 * all (RFC 6125 §6.4.4). Names compare ASCII case-insensitively (RFC 4343) and nothing else is
 * folded: no wildcard (`*.slack.com` is not `platform-tls-client.slack.com`), no trailing dot,
 * no Unicode case mapping (the Kelvin sign is not `k`).
 *
 * @example checkClientCertificate({ certificate: { subjectaltname: 'DNS:platform-tls-client.slack.com' }, authorized: true }, 'platform-tls-client.slack.com') // { ok: true }
 */
export function checkClientCertificate(input: ClientCertificateInput, expectedName: string): ClientCertificateVerdict {
  const { certificate } = input
  if (certificate === undefined || Object.keys(certificate).length === 0) return reject('client_certificate_missing')
  // Integrity before meaning: the names of a certificate nobody we trust signed say nothing.
  if (!input.authorized) return reject('client_certificate_untrusted')
  const san = certificate.subjectaltname
  if (san !== undefined && san !== '') {
    const names = parseAltNames(san)
    if (names === undefined) return reject('client_certificate_mismatch')
    return names.some(([type, value]) => type === 'DNS' && sameDnsName(value, expectedName)) ? OK : reject('client_certificate_mismatch')
  }
  const cn = certificate.subject?.CN
  return typeof cn === 'string' && sameDnsName(cn, expectedName) ? OK : reject('client_certificate_mismatch')
}

export interface ProxiedCertificateInput {
  /** The TCP peer: the proxy, if the request came through it. */
  readonly remoteAddress: string | undefined
  /** The header the proxy sets to the verified certificate's SAN, as received (repeats kept). */
  readonly header: HeaderValue
}

/**
 * Decides whether a request that came through a TLS-terminating proxy carries that proxy's
 * word that Slack's certificate was verified. The header counts only from a trusted address,
 * and it must be exactly `expectedName`; from anywhere else it is a forgery, and a request
 * without it never passed the proxy's check.
 *
 * @example checkProxiedCertificate({ remoteAddress: '10.0.0.5', header: 'platform-tls-client.slack.com' }, trusted, 'platform-tls-client.slack.com') // { ok: true }
 */
export function checkProxiedCertificate(input: ProxiedCertificateInput, trusted: AddressList, expectedName: string): ClientCertificateVerdict {
  const { header } = input
  const present = header !== undefined
  if (!trusted.includes(input.remoteAddress)) return reject(present ? 'untrusted_proxy_header' : 'client_certificate_missing')
  if (!present || header === '') return reject('client_certificate_missing')
  // Sent twice: the proxy appended to a header the client supplied, instead of replacing it.
  if (typeof header !== 'string') return reject('client_certificate_mismatch')
  return header === expectedName ? OK : reject('client_certificate_mismatch')
}

function sameDnsName(presented: string, expected: string): boolean {
  return asciiLower(presented) === asciiLower(expected)
}

// String.prototype.toLowerCase maps non-ASCII too (U+212A KELVIN SIGN becomes "k").
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))
}

/**
 * Splits Node's `subjectaltname` into [type, value] pairs. Node writes a value that contains
 * a comma, quote or unprintable character as a JSON string (CVE-2021-44532), so that a SAN of
 * `"evil.example, DNS:platform-tls-client.slack.com"` cannot pass for two entries. Anything
 * that does not parse is undefined: the caller refuses it.
 */
function parseAltNames(text: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = []
  let i = 0
  while (i < text.length) {
    const colon = text.indexOf(':', i)
    if (colon < 0) return undefined
    const type = text.slice(i, colon)
    i = colon + 1
    let value: string
    if (text[i] === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      if (j >= text.length) return undefined
      try {
        value = JSON.parse(text.slice(i, j + 1)) as string
      } catch {
        return undefined
      }
      i = j + 1
    } else {
      const end = text.indexOf(', ', i)
      value = text.slice(i, end < 0 ? text.length : end)
      i = end < 0 ? text.length : end
    }
    out.push([type, value])
    if (i < text.length) {
      if (!text.startsWith(', ', i)) return undefined
      i += 2
    }
  }
  return out
}

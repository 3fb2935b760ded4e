import { describe, expect, it } from 'vitest'
import { crossSiteRefusal, csrfRefusal, csrfTokenMatches } from '../../../src/admin/security/csrf.js'

const ORIGIN = 'https://gateway.example.com'
const TOKEN = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c'

describe('csrfTokenMatches', () => {
  it('is true for the same token only', () => {
    expect(csrfTokenMatches(TOKEN, TOKEN)).toBe(true)
    expect(csrfTokenMatches(TOKEN, `${TOKEN.slice(0, -1)}d`)).toBe(false)
  })

  it('is false for a missing, empty, shorter or longer token, and for an empty expected one', () => {
    expect(csrfTokenMatches(TOKEN, undefined)).toBe(false)
    expect(csrfTokenMatches(TOKEN, '')).toBe(false)
    expect(csrfTokenMatches(TOKEN, TOKEN.slice(1))).toBe(false)
    expect(csrfTokenMatches(TOKEN, `${TOKEN}x`)).toBe(false)
    expect(csrfTokenMatches('', '')).toBe(false)
  })

  it('compares bytes, so a token with other characters of the same length is false', () => {
    expect(csrfTokenMatches('é', 'e\u0301'.slice(0, 1))).toBe(false)
  })
})

describe('crossSiteRefusal', () => {
  it.each(['GET', 'HEAD', 'OPTIONS'])('lets a safe %s through, whatever its headers', (method) => {
    expect(crossSiteRefusal(method, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, ORIGIN)).toBeUndefined()
    expect(crossSiteRefusal(method, {}, ORIGIN)).toBeUndefined()
  })

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'get'])('checks %s', (method) => {
    expect(crossSiteRefusal(method, {}, ORIGIN)).toBe('csrf_origin_missing')
  })

  it('passes a same-origin request, with Sec-Fetch-Site and Origin, or either alone', () => {
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'same-origin', origin: ORIGIN }, ORIGIN)).toBeUndefined()
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'same-origin' }, ORIGIN)).toBeUndefined()
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'none' }, ORIGIN)).toBeUndefined()
    expect(crossSiteRefusal('POST', { origin: ORIGIN }, ORIGIN)).toBeUndefined()
  })

  it('refuses Sec-Fetch-Site cross-site and same-site, and any other value', () => {
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'cross-site', origin: ORIGIN }, ORIGIN)).toBe('csrf_cross_site')
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'same-site', origin: ORIGIN }, ORIGIN)).toBe('csrf_cross_site')
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'Same-Origin' }, ORIGIN)).toBe('csrf_cross_site')
    expect(crossSiteRefusal('POST', { 'sec-fetch-site': ['same-origin', 'same-origin'] }, ORIGIN)).toBe('csrf_cross_site')
  })

  it('refuses an Origin that is not exactly the console origin', () => {
    for (const origin of ['https://evil.example', 'null', 'http://gateway.example.com', `${ORIGIN}:8443`, `${ORIGIN}/`, 'https://gateway.example.com.evil.example', 'HTTPS://GATEWAY.EXAMPLE.COM']) {
      expect(crossSiteRefusal('POST', { origin }, ORIGIN)).toBe('csrf_origin_mismatch')
      expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'same-origin', origin }, ORIGIN)).toBe('csrf_origin_mismatch')
    }
    expect(crossSiteRefusal('POST', { origin: [ORIGIN, ORIGIN] }, ORIGIN)).toBe('csrf_origin_mismatch')
  })

  it('refuses a request with neither header', () => {
    expect(crossSiteRefusal('POST', { referer: `${ORIGIN}/admin` }, ORIGIN)).toBe('csrf_origin_missing')
  })
})

describe('csrfRefusal', () => {
  const sameOrigin = { 'sec-fetch-site': 'same-origin', origin: ORIGIN }

  it('checks where the request comes from before its token', () => {
    expect(csrfRefusal('POST', { origin: 'https://evil.example' }, ORIGIN, TOKEN, TOKEN)).toBe('csrf_origin_mismatch')
    expect(csrfRefusal('POST', { 'sec-fetch-site': 'cross-site' }, ORIGIN, TOKEN, undefined)).toBe('csrf_cross_site')
    expect(csrfRefusal('POST', {}, ORIGIN, TOKEN, TOKEN)).toBe('csrf_origin_missing')
  })

  it('refuses a same-origin request with a missing or wrong token, and passes the right one', () => {
    expect(csrfRefusal('POST', sameOrigin, ORIGIN, TOKEN, undefined)).toBe('csrf_token_invalid')
    expect(csrfRefusal('POST', sameOrigin, ORIGIN, TOKEN, 'x'.repeat(TOKEN.length))).toBe('csrf_token_invalid')
    expect(csrfRefusal('POST', sameOrigin, ORIGIN, TOKEN, TOKEN)).toBeUndefined()
  })

  it('asks nothing of a safe method', () => {
    expect(csrfRefusal('GET', {}, ORIGIN, TOKEN, undefined)).toBeUndefined()
  })
})

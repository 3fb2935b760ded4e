import { describe, expect, it } from 'vitest'
import { DATA_PAGE_HEADERS, SECURITY_HEADERS } from '../../../src/admin/security/headers.js'

describe('console security headers', () => {
  it('set a CSP that allows only the console itself, no inline code and no framing', () => {
    expect(SECURITY_HEADERS['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    expect(SECURITY_HEADERS['content-security-policy']).not.toMatch(/unsafe-/)
  })

  it('set the OWASP headers on every response', () => {
    expect(SECURITY_HEADERS).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    })
    expect(SECURITY_HEADERS['permissions-policy']).toMatch(/^([a-z-]+=\(\))(, [a-z-]+=\(\))*$/)
    expect(SECURITY_HEADERS['permissions-policy']).toContain('camera=()')
    expect(SECURITY_HEADERS).not.toHaveProperty('cache-control')
  })

  it('forbid caching of pages with data, with the same security headers', () => {
    expect(DATA_PAGE_HEADERS).toEqual({ ...SECURITY_HEADERS, 'cache-control': 'no-store' })
  })

  it('are lowercase names, and frozen', () => {
    for (const name of Object.keys(DATA_PAGE_HEADERS)) expect(name).toBe(name.toLowerCase())
    expect(Object.isFrozen(SECURITY_HEADERS) && Object.isFrozen(DATA_PAGE_HEADERS)).toBe(true)
  })
})

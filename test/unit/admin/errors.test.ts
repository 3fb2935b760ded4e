import { describe, expect, it } from 'vitest'
import { ADMIN_CODES, ADMIN_MESSAGES, AdminError } from '../../../src/admin/errors.js'

describe('AdminError', () => {
  it.each([
    ['admin_login_failed', 401],
    ['admin_locked_out', 429],
    ['admin_session_expired', 401],
    ['csrf_token_invalid', 403],
    ['csrf_cross_site', 403],
    ['csrf_origin_mismatch', 403],
    ['csrf_origin_missing', 403],
    ['admin_forbidden', 403],
  ] as const)('%s answers %i', (code, httpStatus) => {
    const err = new AdminError(code)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'AdminError', code, httpStatus })
    expect(err.message).toBe(`${code}: ${ADMIN_MESSAGES[code]}`)
  })

  it('covers every code', () => {
    expect(Object.keys(ADMIN_MESSAGES).sort()).toEqual([...ADMIN_CODES].sort())
  })

  it('carries Retry-After for a lockout', () => {
    expect(new AdminError('admin_locked_out', { retryAfterSeconds: 30 })).toMatchObject({ code: 'admin_locked_out', httpStatus: 429, retryAfterSeconds: 30 })
    expect(new AdminError('admin_forbidden').retryAfterSeconds).toBeUndefined()
  })

  it('says the same for an unknown name as for a wrong password: one code, one text', () => {
    expect(ADMIN_MESSAGES.admin_login_failed).toBe('Wrong name or password.')
  })
})

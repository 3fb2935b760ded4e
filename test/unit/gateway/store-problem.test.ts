import { describe, expect, it } from 'vitest'
import { classifyStoreFailure, displayStoreUrl } from '../../../src/gateway/store-problem.js'

const err = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields)

describe('classifyStoreFailure', () => {
  it.each([
    ['postgres', err('database "x" does not exist', { code: '3D000' }), 'database "sg" does not exist'],
    ['postgres', err('role "r" does not exist', { code: '28000' }), 'authentication failed'],
    ['postgres', err('password authentication failed for user "r"', { code: '28P01' }), 'authentication failed'],
    ['postgres', err('permission denied for schema public', { code: '42501' }), 'permission denied'],
    ['postgres', err('The server does not support SSL connections'), 'TLS failed'],
    ['redis', err('WRONGPASS invalid username-password pair or user is disabled.'), 'authentication failed'],
    ['redis', err('NOAUTH Authentication required.'), 'authentication failed'],
    ['redis', err('ERR DB index is out of range'), 'the database number in the URL does not exist'],
    ['redis', Object.assign(err('Protocol error, got "H" as reply type byte.'), { name: 'ParserError' }), 'does not speak the Redis protocol'],
    ['redis', err('ssl3_get_record:wrong version number', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'TLS failed'],
  ] as const)('%s: %s is a misconfiguration', (engine, error, problem) => {
    const failure = classifyStoreFailure(engine, error, 'postgres://u:p@db:5432/sg')
    expect(failure).toEqual({ kind: 'misconfigured', problem: expect.stringContaining(problem), fix: expect.any(String) })
  })

  it.each([
    ['postgres', err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['postgres', err('Connection terminated due to connection timeout')],
    ['postgres', err('the database system is starting up', { code: '57P03' })],
    ['redis', err('connect ECONNREFUSED 127.0.0.1:6379', { code: 'ECONNREFUSED' })],
    ['redis', err('connect ETIMEDOUT', { code: 'ETIMEDOUT' })],
    ['redis', err("Stream isn't writeable and enableOfflineQueue options is false")],
    ['redis', 'not even an error'],
  ] as const)('%s: %s is unreachable, not misconfigured', (engine, error) => {
    expect(classifyStoreFailure(engine, error, 'redis://h:6379')).toEqual({ kind: 'unreachable' })
  })

  it('quotes no credential-shaped text from the server', () => {
    const failure = classifyStoreFailure('redis', err('WRONGPASS for xoxb-1-2-leak'), 'redis://h')
    expect(JSON.stringify(failure)).not.toContain('xoxb-1-2-leak')
  })
})

describe('displayStoreUrl', () => {
  it('drops the user and password', () => {
    expect(displayStoreUrl('postgres://app:s3cret@db.internal:5432/slackgate')).toBe('postgres://db.internal:5432/slackgate')
    expect(displayStoreUrl('rediss://:s3cret@cache:6380/2')).toBe('rediss://cache:6380/2')
    expect(displayStoreUrl('redis://cache:6379')).toBe('redis://cache:6379')
  })
})

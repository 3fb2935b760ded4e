import { scrubSecrets } from '../redact/redact-secrets.js'

/** The network engines a store may be on. */
export type StoreEngine = 'redis' | 'postgres'

/**
 * What a failure to reach a store at startup means. A store that answers and refuses (no
 * such database, a failed login, the wrong protocol) will refuse again: that is a
 * configuration to fix, and the gateway does not start. Anything else (refused, timed out,
 * reset) may pass: the gateway starts and answers 503 until the store answers.
 */
export type StoreFailure =
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'misconfigured'; readonly problem: string; readonly fix: string }

const UNREACHABLE: StoreFailure = { kind: 'unreachable' }

// PostgreSQL error codes (SQLSTATE): https://www.postgresql.org/docs/current/errcodes-appendix.html
const PG_NO_DATABASE = '3D000'
const PG_AUTHENTICATION = new Set(['28000', '28P01'])
const PG_PRIVILEGE = '42501'

/**
 * Classifies a store's connection error, by its engine. `url` names the database the fix
 * refers to; the text returned holds no credential.
 *
 * @example
 * classifyStoreFailure('postgres', Object.assign(new Error('…'), { code: '3D000' }), 'postgres://db/slackgate')
 * // { kind: 'misconfigured', problem: 'database "slackgate" does not exist', fix: 'create it …' }
 */
export function classifyStoreFailure(engine: StoreEngine, err: unknown, url: string): StoreFailure {
  const { code, message, name } = errorFields(err)
  if (isTlsMismatch(code, message)) {
    return {
      kind: 'misconfigured',
      problem: `TLS failed (${scrubSecrets(message)})`,
      fix:
        engine === 'redis'
          ? 'use redis:// for a server without TLS, rediss:// for one with it'
          : 'drop sslmode from the URL for a server without TLS, or enable TLS on the server',
    }
  }
  return engine === 'postgres' ? classifyPostgres(code, message, url) : classifyRedis(name, message)
}

function classifyPostgres(code: string | undefined, message: string, url: string): StoreFailure {
  if (code === PG_NO_DATABASE) {
    const database = databaseName(url)
    return {
      kind: 'misconfigured',
      problem: `database "${database}" does not exist`,
      fix: `create it (CREATE DATABASE "${database}") or correct the database name in the URL`,
    }
  }
  if (code !== undefined && PG_AUTHENTICATION.has(code)) {
    return {
      kind: 'misconfigured',
      problem: `authentication failed (${scrubSecrets(message)})`,
      fix: 'correct the user and password in the URL, or create the role and allow it in pg_hba.conf',
    }
  }
  if (code === PG_PRIVILEGE) {
    return {
      kind: 'misconfigured',
      problem: `permission denied (${scrubSecrets(message)})`,
      fix: 'grant the role CREATE on the schema, or create the audit table beforehand and grant it SELECT and INSERT',
    }
  }
  return UNREACHABLE
}

function classifyRedis(name: string | undefined, message: string): StoreFailure {
  if (/^(WRONGPASS|NOAUTH)\b|^ERR (invalid (username-)?password|AUTH\b)/.test(message)) {
    return {
      kind: 'misconfigured',
      problem: `authentication failed (${scrubSecrets(message)})`,
      fix: 'correct the user and password in the URL (redis://user:password@host:port/db)',
    }
  }
  if (/^ERR (DB index is out of range|invalid DB index)/.test(message)) {
    return {
      kind: 'misconfigured',
      problem: 'the database number in the URL does not exist on the server',
      fix: 'use a database the server has (0 to 15 unless its `databases` setting says otherwise)',
    }
  }
  if (name === 'ParserError') {
    return {
      kind: 'misconfigured',
      problem: 'the server does not speak the Redis protocol',
      fix: 'check the host and port in the URL (is it the Redis port?), and use rediss:// for a server that requires TLS',
    }
  }
  return UNREACHABLE
}

function isTlsMismatch(code: string | undefined, message: string): boolean {
  return (
    (code !== undefined && (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS'))) ||
    /server does not support SSL|wrong version number/i.test(message)
  )
}

function errorFields(err: unknown): { code?: string; message: string; name?: string } {
  if (typeof err !== 'object' || err === null) return { message: String(err) }
  const e = err as { code?: unknown; message?: unknown; name?: unknown }
  return {
    ...(typeof e.code === 'string' && { code: e.code }),
    message: typeof e.message === 'string' ? e.message : '',
    ...(typeof e.name === 'string' && { name: e.name }),
  }
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres'
  } catch {
    return '?'
  }
}

/** A store URL as it can be shown: scheme, host, port and path, without user or password. */
export function displayStoreUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return 'an unparseable URL'
  }
}

import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { createSigningSecret, type SigningSecret } from '../verify/signing-secret.js'
import { ConfigError, type ConfigProblem } from './errors.js'
import { configSchema, type ConfigFile, type RouteConfig } from './schema.js'
import type { InstallConfig } from './install-schema.js'
import type { AdminConfig } from './admin-schema.js'
import { resolveSecretRef } from './secret-ref.js'
import { masterKeyProblem } from '../vault/master-key.js'
import { resolveServerTls, type ServerTls } from './server-tls.js'
import { privateKeyProblem } from './token-keys.js'
import { resolveWorkflowEndpoints, type WorkflowEndpoint } from './workflow-endpoints.js'
import { resolveHookSources, SLACK_SIGNING_SECRET_LENGTH, type HookSource } from './hook-sources.js'

/** The validated configuration with secrets resolved. Holds no secret in printable form. */
export interface GatewayConfig {
  /** `tls` with its PEM texts read (absent when loaded without secrets). */
  readonly server: Omit<ConfigFile['server'], 'tls'> & { readonly tls?: ServerTls }
  /** Absolute path of the data directory. */
  readonly dataDir: string
  readonly slack: {
    readonly signingSecrets: readonly SigningSecret[]
    readonly timestampToleranceSeconds: number
    /** The app's own events are acked and run nothing (slack/own-event.ts). */
    readonly ignoreSelf: boolean
    /** Base URL of the Slack Web API, without a trailing slash. */
    readonly apiUrl: string
    /** `slack.botToken`, read on demand (never held in printable form). */
    readonly botToken?: () => string
    readonly clientId?: string
    /** `slack.clientSecret`, read on demand. */
    readonly clientSecret?: () => string
    readonly tokenRotation: ConfigFile['slack']['tokenRotation']
    readonly webApi: ConfigFile['slack']['webApi']
  }
  readonly log: ConfigFile['log']
  readonly replay: { readonly store: StoreLocation; readonly ttlSeconds: number; readonly maxKeys: number }
  readonly queue: { readonly store: StoreLocation; readonly concurrency: number; readonly maxBacklog: number; readonly redisPersistence: ConfigFile['queue']['redisPersistence'] }
  readonly audit: { readonly store: StoreLocation }
  /** Prefix of this deployment's keys in a shared Redis. */
  readonly namespace: string
  /** Routes in config order; handler paths are absolute. */
  readonly routes: readonly RouteConfig[]
  /** The workflow routes' endpoints, with their verification rules resolved. */
  readonly workflows: readonly WorkflowEndpoint[]
  /** Webhook sources at `/hooks/<name>`, with their secrets resolved. */
  readonly sources: readonly HookSource[]
  /**
   * Names of the `preset: slack` sources, known without their secrets: their routes carry a
   * Slack identity and take access rules, so `public: true` there means what it means on /slack/*.
   */
  readonly slackSources: ReadonlySet<string>
  /** How the gateway mints the tokens it forwards with. */
  readonly tokens: TokensConfig
  readonly policy: ConfigFile['policy']
  /** Where user group membership comes from, if any rule names a group. */
  readonly directory?: DirectoryConfig
  /** The OAuth install flow, when configured (slack.clientId and slack.clientSecret are then set). */
  readonly install?: InstallConfig
  /** The token vault (docs/vault.md). */
  readonly vault: VaultConfig
  /** The admin console (docs/admin-console.md); absent, `/admin` is not served. */
  readonly admin?: AdminConfig
  /** The config file that was read, if any. */
  readonly file?: string
}

export interface VaultConfig {
  readonly store: StoreLocation
  /** `vault.masterKey` (base64), read on demand; absent, the key file in the data directory. */
  readonly masterKey?: () => string
  /** The vault must open with a master key: `vault` or `install` is configured. */
  readonly required: boolean
}

export interface TokensConfig {
  readonly issuer: string
  readonly algorithm: 'EdDSA' | 'RS256'
  readonly ttlSeconds: number
  readonly rotationGraceSeconds: number
  /** Private keys supplied by reference, read on demand (never held in printable form); else generated. */
  readonly suppliedKeys?: ReadonlyArray<{ readonly kid?: string; readonly read: () => string }>
}

export type DirectoryConfig =
  | { readonly kind: 'static'; readonly userGroups: Readonly<Record<string, readonly string[]>> }
  | {
      readonly kind: 'slack'
      readonly apiUrl: string
      readonly teamId?: string
      readonly ttlSeconds: number
      readonly maxStaleSeconds: number
      readonly lookupTimeoutMs: number
      /** The bot token, read on demand (never held in printable form). */
      readonly token: () => string
    }

/** Where a port's adapter keeps its state. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string }

export { SLACK_SIGNING_SECRET_LENGTH } from './hook-sources.js'

/** The embedded database file inside the data directory. */
export const EMBEDDED_DATABASE = 'slackgate.db'

export interface LoadConfigOptions {
  /** YAML file to read; otherwise `SLACKGATE_CONFIG`; otherwise none (built-in defaults). */
  readonly file?: string
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** Epoch seconds; used to refuse a configuration whose secrets have all expired. */
  readonly now?: number
  /** Host used when neither the file nor `HOST` names one. */
  readonly defaultHost?: string
  /**
   * Called with the data directory when neither the file nor the environment configures
   * a signing secret; returns the secret reference to use (development mode only).
   */
  readonly fallbackSecretRef?: (dataDir: string) => string
  /**
   * Skip resolving signing secrets (the result holds none): for CLI commands that never
   * verify a request, such as `jobs`. A gateway built from such a config refuses to start.
   */
  readonly withoutSecrets?: boolean
}

/**
 * Loads the gateway configuration: YAML file, then environment overrides (`PORT`, `HOST`,
 * `SLACKGATE_DATA_DIR`, `LOG_LEVEL`; `SLACK_SIGNING_SECRET` and
 * `SLACK_SIGNING_SECRET_PREVIOUS` when the file lists no secrets), validated as a whole.
 * Throws a `ConfigError` naming every offending key.
 */
export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const fileOption = options.file ?? nonEmpty(env.SLACKGATE_CONFIG)
  const file = fileOption === undefined ? undefined : resolve(cwd, fileOption)
  const raw = file === undefined ? {} : readYaml(file)
  const baseDir = file === undefined ? cwd : dirname(file)

  const input = applyEnv(raw, env, options)
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) throw new ConfigError('invalid_config', parsed.error.issues.map(toProblem))
  const config = parsed.data
  if (config.install !== undefined && config.slack.clientId === undefined) {
    throw new ConfigError('invalid_config', [{ key: 'install', message: 'the install flow needs slack.clientId and slack.clientSecret (Basic Information)' }])
  }
  const dataDir = resolve(baseDir, config.dataDir)
  if (config.slack.signingSecrets === undefined && options.fallbackSecretRef !== undefined) {
    config.slack.signingSecrets = [{ ref: options.fallbackSecretRef(dataDir) }]
  }

  const now = options.now ?? Math.floor(Date.now() / 1000)
  const signingSecrets = options.withoutSecrets === true ? [] : resolveSigningSecrets(config, env, baseDir, now)
  const problems: ConfigProblem[] = []
  const workflows = options.withoutSecrets === true ? [] : resolveWorkflowEndpoints(config.routes, env, baseDir, problems)
  const sources = options.withoutSecrets === true ? [] : resolveHookSources(config.sources, env, baseDir, problems, config.slack.allowShortSigningSecret)
  const suppliedKeys = resolveSuppliedKeys(config, env, baseDir, options.withoutSecrets === true ? undefined : problems)
  const directory = resolveDirectory(config, env, baseDir, options.withoutSecrets === true ? undefined : problems)
  const botToken = secretReader(config.slack.botToken?.ref, 'slack.botToken.ref', env, baseDir, options.withoutSecrets === true ? undefined : problems)
  const clientSecret = secretReader(config.slack.clientSecret?.ref, 'slack.clientSecret.ref', env, baseDir, options.withoutSecrets === true ? undefined : problems)
  const masterKey = secretReader(config.vault?.masterKey?.ref, 'vault.masterKey.ref', env, baseDir, options.withoutSecrets === true ? undefined : problems)
  const masterKeyText = options.withoutSecrets === true || problems.some((p) => p.key === 'vault.masterKey.ref') ? undefined : masterKey?.()
  const keyProblem = masterKeyText === undefined ? undefined : masterKeyProblem(masterKeyText)
  if (keyProblem !== undefined) problems.push({ key: 'vault.masterKey.ref', message: keyProblem })
  const tls = options.withoutSecrets === true ? undefined : resolveServerTls(config.server.tls, env, baseDir, problems)
  if (problems.length > 0) throw new ConfigError('unresolved_secret', problems)
  const { keys: _refs, ...tokens } = config.tokens

  return {
    server: { ...withoutTls(config.server), ...(tls !== undefined && { tls }) },
    dataDir,
    slack: {
      signingSecrets,
      timestampToleranceSeconds: config.slack.timestampToleranceSeconds,
      ignoreSelf: config.slack.ignoreSelf,
      apiUrl: config.slack.apiUrl.replace(/\/+$/, ''),
      ...(botToken !== undefined && { botToken }),
      ...(config.slack.clientId !== undefined && { clientId: config.slack.clientId }),
      ...(clientSecret !== undefined && { clientSecret }),
      tokenRotation: config.slack.tokenRotation,
      webApi: config.slack.webApi,
    },
    log: config.log,
    replay: { store: storeLocation(config.replay.store, dataDir, baseDir), ttlSeconds: config.replay.ttlSeconds, maxKeys: config.replay.maxKeys },
    queue: {
      store: storeLocation(config.queue.store, dataDir, baseDir),
      concurrency: config.queue.concurrency,
      maxBacklog: config.queue.maxBacklog,
      redisPersistence: config.queue.redisPersistence,
    },
    audit: { store: storeLocation(config.audit.store, dataDir, baseDir) },
    namespace: config.namespace,
    routes: config.routes.map((r) => (r.handler === undefined ? r : { ...r, handler: resolve(baseDir, r.handler) })),
    workflows,
    sources,
    slackSources: new Set(config.sources.filter((s) => s.preset === 'slack').map((s) => s.name)),
    tokens: { ...tokens, ...(suppliedKeys !== undefined && { suppliedKeys }) },
    policy: config.policy,
    ...(directory !== undefined && { directory }),
    ...(config.install !== undefined && { install: config.install }),
    vault: {
      store: storeLocation(config.vault?.store ?? 'sqlite', dataDir, baseDir),
      ...(masterKey !== undefined && { masterKey }),
      required: config.vault !== undefined || config.install !== undefined,
    },
    ...(config.admin !== undefined && { admin: config.admin }),
    ...(file !== undefined && { file }),
  }
}

function readYaml(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError('invalid_config', [
      { key: 'config', message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` },
    ])
  }
  let doc: unknown
  try {
    doc = parseYaml(text, { uniqueKeys: true, strict: true, maxAliasCount: 100 })
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : ''
    throw new ConfigError('invalid_config', [{ key: 'config', message: `${file} is not valid YAML${where}` }])
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('invalid_config', [{ key: 'config', message: `${file} must hold a YAML mapping` }])
  }
  return doc as Record<string, unknown>
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, options: LoadConfigOptions): Record<string, unknown> {
  const problems: ConfigProblem[] = []
  const out: Record<string, unknown> = { ...raw }
  const server = section(out, 'server')
  const slack = section(out, 'slack')
  const log = section(out, 'log')

  const port = nonEmpty(env.PORT)
  if (port !== undefined) {
    if (/^[0-9]{1,5}$/.test(port)) server.port = Number(port)
    else problems.push({ key: 'PORT', message: 'must be a port number' })
  }
  const host = nonEmpty(env.HOST)
  if (host !== undefined) server.host = host
  else if (server.host === undefined && options.defaultHost !== undefined) server.host = options.defaultHost
  const dataDir = nonEmpty(env.SLACKGATE_DATA_DIR)
  if (dataDir !== undefined) out.dataDir = dataDir
  const level = nonEmpty(env.LOG_LEVEL)
  if (level !== undefined) log.level = level
  const replayStore = nonEmpty(env.SLACKGATE_REPLAY_STORE)
  if (replayStore !== undefined) section(out, 'replay').store = replayStore
  const queueStore = nonEmpty(env.SLACKGATE_QUEUE_STORE)
  if (queueStore !== undefined) section(out, 'queue').store = queueStore
  const redisPersistence = nonEmpty(env.SLACKGATE_REDIS_PERSISTENCE)
  if (redisPersistence !== undefined) section(out, 'queue').redisPersistence = redisPersistence
  const auditStore = nonEmpty(env.SLACKGATE_AUDIT_STORE)
  if (auditStore !== undefined) section(out, 'audit').store = auditStore
  const namespace = nonEmpty(env.SLACKGATE_NAMESPACE)
  if (namespace !== undefined) out.namespace = namespace

  if (slack.signingSecrets === undefined) {
    const refs: Array<{ ref: string; notAfter?: string }> = []
    if (env.SLACK_SIGNING_SECRET !== undefined) refs.push({ ref: 'env:SLACK_SIGNING_SECRET' })
    if (env.SLACK_SIGNING_SECRET_PREVIOUS !== undefined) {
      const notAfter = nonEmpty(env.SLACK_SIGNING_SECRET_PREVIOUS_NOT_AFTER)
      refs.push({ ref: 'env:SLACK_SIGNING_SECRET_PREVIOUS', ...(notAfter !== undefined && { notAfter }) })
    }
    if (refs.length > 0) slack.signingSecrets = refs
  }
  if (problems.length > 0) throw new ConfigError('invalid_config', problems)
  return out
}

function resolveSigningSecrets(config: ConfigFile, env: NodeJS.ProcessEnv, baseDir: string, now: number): SigningSecret[] {
  const entries = config.slack.signingSecrets
  if (entries === undefined) {
    throw new ConfigError('unresolved_secret', [
      {
        key: 'slack.signingSecrets',
        message: 'no signing secret configured: set SLACK_SIGNING_SECRET or list slack.signingSecrets in the config file',
      },
    ])
  }
  const problems: ConfigProblem[] = []
  const tooShort: ConfigProblem[] = []
  const secrets: SigningSecret[] = []
  entries.forEach((entry, i) => {
    const resolved = resolveSecretRef(entry.ref, env, baseDir)
    if (!resolved.ok) {
      problems.push({ key: `slack.signingSecrets[${i}].ref`, message: resolved.message })
      return
    }
    if (resolved.value.length < SLACK_SIGNING_SECRET_LENGTH && !config.slack.allowShortSigningSecret) {
      tooShort.push({
        key: `slack.signingSecrets[${i}].ref`,
        message:
          `is shorter than a Slack signing secret (${SLACK_SIGNING_SECRET_LENGTH} characters): copy the Signing Secret from ` +
          "your app's Basic Information page (slack.allowShortSigningSecret: true is for tests only)",
      })
      return
    }
    const notAfter = entry.notAfter === undefined ? undefined : Date.parse(entry.notAfter) / 1000
    secrets.push(createSigningSecret(resolved.value, notAfter === undefined ? {} : { notAfter }))
  })
  if (problems.length > 0) throw new ConfigError('unresolved_secret', problems)
  if (tooShort.length > 0) throw new ConfigError('invalid_config', tooShort)
  if (!secrets.some((s) => s.notAfter === undefined || s.notAfter >= now)) {
    throw new ConfigError('invalid_config', [
      { key: 'slack.signingSecrets', message: 'every signing secret is past its notAfter date' },
    ])
  }
  return secrets
}

function resolveSuppliedKeys(
  config: ConfigFile,
  env: NodeJS.ProcessEnv,
  baseDir: string,
  /** Undefined: the keys are listed, not read (the result's `read` throws). */
  problems: ConfigProblem[] | undefined,
): TokensConfig['suppliedKeys'] {
  const entries = config.tokens.keys
  if (entries === undefined) return undefined
  return entries.map((entry, i) => {
    if (problems === undefined) {
      const unread = () => {
        throw new Error('this configuration was loaded without its secrets')
      }
      return { ...(entry.kid !== undefined && { kid: entry.kid }), read: unread }
    }
    const resolved = resolveSecretRef(entry.ref, env, baseDir)
    const problem = resolved.ok ? privateKeyProblem(resolved.value, config.tokens.algorithm) : resolved.message
    if (problem !== undefined) problems.push({ key: `tokens.keys[${i}].ref`, message: problem })
    const text = resolved.ok ? resolved.value : ''
    return { ...(entry.kid !== undefined && { kid: entry.kid }), read: () => text }
  })
}

function resolveDirectory(
  config: ConfigFile,
  env: NodeJS.ProcessEnv,
  baseDir: string,
  /** Undefined: the token is read when first used, and a missing one throws then. */
  problems: ConfigProblem[] | undefined,
): DirectoryConfig | undefined {
  const d = config.directory
  if (d === undefined) return undefined
  if (d.userGroups !== undefined) return { kind: 'static', userGroups: d.userGroups }
  const slack = d.slack as NonNullable<typeof d.slack>
  const ref = slack.botToken.ref
  let token: () => string
  if (problems === undefined) {
    token = () => {
      const resolved = resolveSecretRef(ref, env, baseDir)
      if (!resolved.ok) throw new ConfigError('unresolved_secret', [{ key: 'directory.slack.botToken.ref', message: resolved.message }])
      return resolved.value
    }
  } else {
    const resolved = resolveSecretRef(ref, env, baseDir)
    if (!resolved.ok) problems.push({ key: 'directory.slack.botToken.ref', message: resolved.message })
    const value = resolved.ok ? resolved.value : ''
    token = () => value
  }
  const { botToken: _ref, ...settings } = slack
  return { kind: 'slack', ...settings, token }
}

/**
 * A secret read once at load (its problem reported under `key`), or, when loaded without
 * secrets, on first use (a missing one throws then). Undefined when not configured.
 */
function secretReader(
  ref: string | undefined,
  key: string,
  env: NodeJS.ProcessEnv,
  baseDir: string,
  problems: ConfigProblem[] | undefined,
): (() => string) | undefined {
  if (ref === undefined) return undefined
  if (problems === undefined) {
    return () => {
      const resolved = resolveSecretRef(ref, env, baseDir)
      if (!resolved.ok) throw new ConfigError('unresolved_secret', [{ key, message: resolved.message }])
      return resolved.value
    }
  }
  const resolved = resolveSecretRef(ref, env, baseDir)
  if (!resolved.ok) problems.push({ key, message: resolved.message })
  const value = resolved.ok ? resolved.value : ''
  return () => value
}

function storeLocation(url: string, dataDir: string, baseDir: string): StoreLocation {
  if (url === 'memory') return { kind: 'memory' }
  if (url === 'sqlite') return { kind: 'sqlite', path: resolve(dataDir, EMBEDDED_DATABASE) }
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: resolve(baseDir, url.slice('sqlite:'.length)) }
  if (url.startsWith('postgres')) return { kind: 'postgres', url }
  return { kind: 'redis', url }
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const key = issue.path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc === '' ? String(part) : `${acc}.${String(part)}`),
    '',
  )
  const message =
    issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message
  return { key: key === '' ? 'config' : key, message }
}

// A copy of one section for environment overrides. A section that is not a mapping is left
// as written, so that validation reports it, and overrides go to a detached object.
function section(out: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = out[name]
  if (value === undefined) return (out[name] = {})
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return (out[name] = { ...value })
  return {}
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function withoutTls(server: ConfigFile['server']): Omit<ConfigFile['server'], 'tls'> {
  const { tls: _refs, ...rest } = server
  return rest
}

import { z } from 'zod'
import { DEFAULT_BODY_LIMIT } from '../verify/verifier-options.js'
import { DEFAULT_TOLERANCE_SECONDS } from '../verify/slack-signature.js'
import { DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS, DEFAULT_JWT_MAX_LIFETIME_SECONDS, JWT_ALGORITHMS } from '../verify/jwt-bearer.js'
import { accessSchema, directorySchema, policySchema } from './access-schema.js'
import { installSchema } from './install-schema.js'
import { secretRefObject, secretRefSchema } from './secret-ref-schema.js'
import { refineServerTls, serverTlsShape } from './tls-schema.js'
import { sourceSchema } from './sources-schema.js'
import { vaultSchema } from './vault-schema.js'
import { adminSchema } from './admin-schema.js'
import { DEFAULT_STEP_ERROR_MESSAGE } from '../functions/errors.js'
import { compileBodySchema } from '../workflow/body-schema.js'
import { DEFAULT_MAX_REPLAY_KEYS } from '../replay/nonce-store.js'
import { DEFAULT_MAX_BACKLOG } from '../dispatch/job-queue.js'
import { httpsOrLoopbackUrl } from './url-schema.js'
import { ACK_MATCHES, ackSchema, matchSchema } from './match-schema.js'

export { secretRefSchema }

const signingSecretSchema = secretRefObject({
  /** Rotation: the secret stops verifying after this instant (ISO 8601 with offset). */
  notAfter: z.iso.datetime({ offset: true }).optional(),
})

/** A PEM key or a JWK (JSON), by reference. */
const keyRefSchema = secretRefObject({
  /** The `kid` tokens name this key by; a JWK's own `kid` otherwise. */
  kid: z.string().min(1).max(255).optional(),
})

/**
 * The least time between two fetches of a caller's JWKS. Every token naming an unknown kid
 * asks for one: a lower floor lets anyone with a made-up token make the gateway hammer the
 * identity provider. jose's own default is 30 s.
 */
export const MIN_JWKS_COOLDOWN_SECONDS = 10

/** How a workflow endpoint verifies its bearer tokens. */
const jwtSchema = z
  .strictObject({
    /** The allowlist; `none` cannot be listed. */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).max(JWT_ALGORITHMS.length),
    /** HS256's shared secret (at least 32 bytes), by reference. */
    secret: secretRefObject({}).optional(),
    publicKeys: z.array(keyRefSchema).min(1).max(20).optional(),
    jwks: z
      .strictObject({
        url: httpsOrLoopbackUrl('a JWKS URL'),
        cacheMaxAgeSeconds: z.number().int().min(1).max(86_400).default(600),
        /** The least time between two fetches, also when a token names an unknown kid. */
        cooldownSeconds: z
          .number()
          .min(MIN_JWKS_COOLDOWN_SECONDS, `at least ${MIN_JWKS_COOLDOWN_SECONDS} s: every unknown kid asks for a fetch`)
          .max(3600)
          .default(30),
        timeoutMs: z.number().int().min(100).max(30_000).default(5000),
      })
      .optional(),
    issuer: z.string().min(1).max(2048).optional(),
    audience: z.union([z.string().min(1).max(2048), z.array(z.string().min(1).max(2048)).min(1).max(10)]).optional(),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS),
    maxLifetimeSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_JWT_MAX_LIFETIME_SECONDS),
    /** Scopes a token must hold, every one, in `scope` or `scp`. */
    scopes: z.array(z.string().regex(/^[\x21-\x7e]{1,128}$/, 'a scope has no spaces')).max(50).default([]),
    /** Each token runs once: its `jti` is required and claimed like a nonce until it expires. */
    singleUse: z.boolean().default(true),
  })
  .superRefine((j, ctx) => {
    const symmetric = j.algorithms.includes('HS256')
    const asymmetric = j.algorithms.some((a) => a !== 'HS256')
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] })
    if (symmetric && j.secret === undefined) issue('HS256 is allowed: give its secret', 'secret')
    if (!symmetric && j.secret !== undefined) issue('a secret is only used for HS256: allow HS256 or remove it', 'secret')
    if (asymmetric && j.publicKeys === undefined && j.jwks === undefined) issue('an asymmetric algorithm is allowed: give publicKeys or jwks', 'algorithms')
    if (j.publicKeys !== undefined && j.jwks !== undefined) issue('give publicKeys or jwks, not both', 'jwks')
    if (!asymmetric && (j.publicKeys !== undefined || j.jwks !== undefined)) issue('public keys are only used for asymmetric algorithms: allow one', 'algorithms')
    // Anyone can hold a public key's counterpart elsewhere: pin who issued the token and for whom.
    if (asymmetric && j.issuer === undefined) issue('required with public keys: the expected iss', 'issuer')
    if (asymmetric && j.audience === undefined) issue('required with public keys: the expected aud', 'audience')
  })

export type JwtConfig = z.output<typeof jwtSchema>

/** A JSON Schema (2020-12) object, compiled at start (see workflow/body-schema.ts). */
const jsonSchemaObject = z.record(z.string(), z.unknown())

/** A custom step: what the manifest declares, and what the gateway checks (see functions/). */
const stepSchema = z.strictObject({
  /** The step's name in Workflow Builder (default: the callback_id). */
  title: z.string().min(1).max(255).optional(),
  description: z.string().min(1).max(4000).optional(),
  /**
   * The input parameters, as a JSON Schema object: checked before the job is queued (a step
   * whose inputs fail is completed with an error at once), and the manifest's input_parameters.
   */
  inputs: jsonSchemaObject.optional(),
  /** The output parameters: outputs are checked before the step is completed, and the manifest's output_parameters. */
  outputs: jsonSchemaObject.optional(),
  /** What the person sees when the gateway fails the step (a handler that threw, retries run out, its token expiring). */
  errorMessage: z.string().min(1).max(1000).default(DEFAULT_STEP_ERROR_MESSAGE),
})

export type StepConfig = z.output<typeof stepSchema>

/** How a shortcut route's shortcut appears in Slack: what the manifest declares for it. */
const shortcutSchema = z.strictObject({
  /** In the global shortcuts menu (⚡), or in a message's menu. */
  type: z.enum(['global', 'message']),
  /** What the menu shows. */
  name: z.string().trim().min(1).max(100),
  /** What the menu says it does (Slack takes at most 150 characters; default: the name). */
  description: z.string().trim().min(1).max(150).optional(),
})

export type ShortcutConfig = z.output<typeof shortcutSchema>

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })

const routeSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)'),
    match: matchSchema,
    /** What it does: a slash command's description in `slackgate manifest`, and `policy explain`. */
    description: z.string().min(1).max(2000).optional(),
    /** An SDK handler module (TypeScript or JavaScript), relative to the config file. */
    handler: z.string().min(1).optional(),
    /** An internal service that receives the request as JSON. */
    forward: z
      .strictObject({
        url: httpUrl,
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        /** The `aud` of the token the gateway mints for this service (default: the URL's origin). */
        audience: z.string().min(1).max(2048).optional(),
      })
      .optional(),
    /** Bearer-token verification, for a `workflow` route (and only there). */
    jwt: jwtSchema.optional(),
    /** A JSON Schema the body of a `workflow` route must satisfy. */
    schema: jsonSchemaObject.optional(),
    /** A `function` route's step: title, inputs and outputs (JSON Schema), error message. */
    step: stepSchema.optional(),
    /** A `shortcut` route's shortcut, for `slackgate manifest`: global or on messages, its name. */
    shortcut: shortcutSchema.optional(),
    /**
     * Answer in the acknowledgement (`ack: handler`, or its settings): the handler module's
     * `ack` runs before the 200 and its answer is the 200's body. Commands, views and options.
     */
    ack: ackSchema.optional(),
    /** Who may run it, where. Routes are closed by default: give rules, or say `public: true`. */
    access: accessSchema.optional(),
    /** Anyone Slack (or the endpoint's token) vouches for may run it; `slackgate start` warns. */
    public: z.boolean().optional(),
    /** Opt in to keeping each request's verified payload in its audit record (default: its SHA-256 only). */
    audit: z.strictObject({ storePayload: z.boolean().default(false) }).optional(),
    retry: z
      .strictObject({
        maxAttempts: z.number().int().min(1).max(100).default(5),
        baseDelayMs: z.number().int().min(10).max(3_600_000).default(1000),
        maxDelayMs: z.number().int().min(10).max(86_400_000).default(300_000),
      })
      .prefault({}),
  })
  .refine((r) => (r.handler === undefined) !== (r.forward === undefined), {
    message: 'give exactly one target: handler or forward',
  })
  .refine((r) => (r.match.workflow === undefined) === (r.jwt === undefined), {
    message: 'a workflow route needs jwt settings, and only a workflow route takes them',
    path: ['jwt'],
  })
  .refine((r) => r.match.workflow !== undefined || r.schema === undefined, {
    message: 'only a workflow route takes a body schema (a function route checks its inputs with step.inputs)',
    path: ['schema'],
  })
  .refine((r) => r.ack === undefined || ACK_MATCHES.some((k) => r.match[k] !== undefined), {
    message: 'only a command, view or options route answers in the ack: Slack shows no answer to other requests',
    path: ['ack'],
  })
  .refine((r) => (r.ack === undefined && r.match.options === undefined) || r.handler !== undefined, {
    message: 'a route that answers in the ack (every options route does) needs a handler module, not a forward',
    path: ['handler'],
  })
  .refine((r) => r.match.shortcut !== undefined || r.shortcut === undefined, {
    message: 'only a shortcut route (match.shortcut) takes shortcut settings',
    path: ['shortcut'],
  })
  .refine((r) => r.match.function !== undefined || r.step === undefined, {
    message: 'only a function route takes step settings',
    path: ['step'],
  })
  .refine((r) => r.access !== undefined || r.public === true, {
    message: 'routes are closed by default: give access rules, or `public: true` to open it to anyone verified',
    path: ['access'],
  })
  .refine((r) => r.access === undefined || r.public !== true, {
    message: 'a public route takes no access rules: remove one of them',
    path: ['public'],
  })
  .refine((r) => r.match.workflow !== undefined || !usesTokenClaims(r.access), {
    message: 'subjects and scopes are token claims: only a workflow route has them',
    path: ['access'],
  })

export type RouteConfig = z.output<typeof routeSchema>

function usesTokenClaims(access: z.output<typeof accessSchema> | undefined): boolean {
  if (access === undefined) return false
  return access.deny?.subjects !== undefined || access.rules.some((r) => r.subjects !== undefined || r.scopes !== undefined)
}

/** `sqlite` (the embedded database), `sqlite:PATH`, `memory` (nonces only) or `redis://…`. */
const storeUrl = z.string().regex(/^(sqlite(:.+)?|memory|rediss?:\/\/.+)$/, 'must be sqlite, sqlite:PATH, memory or redis://host:port')

/** `sqlite` (the embedded database), `sqlite:PATH` or `postgres://…` (several gateways, one chain). */
const auditStoreUrl = z.string().regex(/^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/, 'must be sqlite, sqlite:PATH or postgres://user@host:port/db')

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The config file's shape; every object is strict, so a misspelt key is an error, not ignored. */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: z.number().int().min(0).max(65_535).default(3000),
      bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_BODY_LIMIT),
      /** Whole-request deadline (headers and body); bounds slow-body (slowloris) clients. 408 after it. */
      requestTimeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
      /** Deadline for the request line and headers, from the connection (or the request's first byte). */
      headersTimeoutMs: z.number().int().min(1000).max(120_000).default(5_000),
      /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout if one is in front. */
      keepAliveTimeoutMs: z.number().int().min(1000).max(600_000).default(5_000),
      /** Open connections served; beyond it only health checks are answered (see http/connection-limit.ts). */
      maxConnections: z.number().int().min(1).max(100_000).default(512),
      /** TLS served by the gateway itself, and Slack's client certificate (see tls-schema.ts). */
      ...serverTlsShape,
    })
    .superRefine(refineServerTls)
    .refine((s) => s.headersTimeoutMs <= s.requestTimeoutMs, {
      path: ['headersTimeoutMs'],
      message: 'the headers are part of the request: headersTimeoutMs must not exceed requestTimeoutMs',
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./data'),
  slack: z
    .strictObject({
      signingSecrets: z.array(signingSecretSchema).min(1).max(10).optional(),
      timestampToleranceSeconds: z.number().int().min(1).max(3600).default(DEFAULT_TOLERANCE_SECONDS),
      /** Tests only: accept signing secrets shorter than Slack's own (32 characters). */
      allowShortSigningSecret: z.boolean().default(false),
      /** The app's own events (a message it posted) are acked and run nothing, as Bolt's `ignoreSelf`. */
      ignoreSelf: z.boolean().default(true),
      /** Base URL of every Slack Web API call the gateway and its handlers make (a proxy, or a local fake in tests). */
      apiUrl: httpsOrLoopbackUrl('slack.apiUrl').default('https://slack.com/api'),
      /** A single-workspace app's bot token: an installation of its own, with no install flow. */
      botToken: secretRefObject({}).optional(),
      /** The app's Client ID (Basic Information), for the OAuth install flow and token refresh. */
      clientId: z.string().regex(/^[0-9]+\.[0-9]+$/, "must be the app's Client ID (digits.digits), from Basic Information").optional(),
      /** The app's Client Secret, by reference. */
      clientSecret: secretRefObject({}).optional(),
      /** Token rotation: expiring tokens are refreshed this long before they expire, on use and by a background sweep. */
      tokenRotation: z
        .strictObject({
          refreshBeforeSeconds: z.number().int().min(60).max(21_600).default(7200),
          sweepIntervalSeconds: z.number().int().min(10).max(86_400).default(300),
        })
        .prefault({}),
      /** The handlers' Web API client (see docs/handlers.md). */
      webApi: z
        .strictObject({
          /** Each call's deadline; a call that times out may have run, and is not sent again. */
          timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
          /** A 429 is waited out and sent again when its Retry-After is at most this; longer, the call fails. */
          maxRetryAfterSeconds: z.number().int().min(0).max(3600).default(60),
        })
        .prefault({}),
    })
    .refine((s) => (s.clientId === undefined) === (s.clientSecret === undefined), {
      path: ['clientSecret'],
      message: 'slack.clientId and slack.clientSecret go together (both from Basic Information)',
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  replay: z
    .strictObject({
      store: storeUrl.default('sqlite'),
      /** How long a claimed key is remembered; at least twice the timestamp window. */
      ttlSeconds: z.number().int().min(2).max(7 * 86_400).default(600),
      /**
       * Most live keys the embedded (and memory) store holds, about 120 bytes each; beyond it
       * requests are refused (503 `replay_store_full`). Size it to at least 2 × peak
       * requests/s × ttlSeconds: the default holds 3,300 req/s sustained at 600 s.
       */
      maxKeys: z.number().int().min(1000).max(100_000_000).default(DEFAULT_MAX_REPLAY_KEYS),
    })
    .prefault({}),
  queue: z
    .strictObject({
      store: storeUrl.refine((u) => u !== 'memory', 'a queue must be durable: sqlite or redis').default('sqlite'),
      /** Deliveries in flight at once in each gateway process. */
      concurrency: z.number().int().min(1).max(1000).default(32),
      /**
       * Most jobs waiting or in delivery (all instances); at it, requests are refused with 503
       * `queue_full` until delivery catches up, so a backlog cannot grow without bound.
       */
      maxBacklog: z.number().int().min(10).max(100_000_000).default(DEFAULT_MAX_BACKLOG),
      /**
       * A Redis queue: `check` (refuse to start unless Redis says `appendonly yes`), `trusted`
       * (a provider that persists and refuses CONFIG), or `volatile` (acked jobs die with Redis).
       */
      redisPersistence: z.enum(['check', 'trusted', 'volatile']).default('check'),
    })
    .prefault({}),
  /** The tamper-evident record of every request, delivery and lifecycle event. */
  audit: z
    .strictObject({
      store: auditStoreUrl.default('sqlite'),
    })
    .prefault({}),
  /**
   * Prefix of this deployment's keys in a shared Redis (queue and nonces). Each deployment
   * on one Redis database needs its own; a second deployment with other routes under the
   * same namespace is refused at start.
   */
  namespace: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (at most 64)').default('slackgate'),
  routes: z.array(routeSchema).max(100_000).default([]),
  /** Webhook sources other than Slack's own endpoints, each at `POST /hooks/<name>`. */
  sources: z.array(sourceSchema).max(100).default([]),
  policy: policySchema,
  directory: directorySchema.optional(),
  /** The OAuth v2 install flow (see install-schema.ts); absent, no install routes are served. */
  install: installSchema.optional(),
  /** The token vault: installations and their encrypted tokens (see vault-schema.ts). */
  vault: vaultSchema.optional(),
  /** The admin console at /admin (see admin-schema.ts); absent, it is not served. */
  admin: adminSchema.optional(),
  /** The tokens the gateway mints for the services it forwards to. */
  tokens: z
    .strictObject({
      /** The `iss` of every token. */
      issuer: z.string().min(1).max(2048).default('slackgate'),
      algorithm: z.enum(['EdDSA', 'RS256']).default('EdDSA'),
      ttlSeconds: z.number().int().min(5).max(3600).default(60),
      /** After `slackgate keys rotate`, how long the previous key stays published. */
      rotationGraceSeconds: z.number().int().min(0).max(30 * 86_400).default(86_400),
      /**
       * Private keys (PEM PKCS#8 or JWK) by reference, instead of keys generated in the data
       * directory: the first signs, the others are only published.
       */
      keys: z.array(keyRefSchema).min(1).max(10).optional(),
    })
    .prefault({}),
})
  .superRefine((c, ctx) => {
    // A replay must be remembered for as long as its timestamp can still pass the window
    // check (in both directions): shorter, and a captured request could be replayed.
    if (c.replay.ttlSeconds < 2 * c.slack.timestampToleranceSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['replay', 'ttlSeconds'],
        message: `must be at least twice slack.timestampToleranceSeconds (${2 * c.slack.timestampToleranceSeconds})`,
      })
    }
    const names = new Set<string>()
    const matches = new Set<string>()
    const groups = c.directory?.userGroups
    const sourceNames = new Set<string>()
    const slackSources = new Set(c.sources.filter((s) => s.preset === 'slack').map((s) => s.name))
    c.sources.forEach((source, i) => {
      if (sourceNames.has(source.name)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: `duplicate source name ${source.name}` })
      sourceNames.add(source.name)
    })
    c.routes.forEach((r, i) => {
      if (r.match.hook !== undefined && !sourceNames.has(r.match.hook)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'match', 'hook'], message: `no source named ${r.match.hook} in sources` })
      }
      // A Slack source carries a Slack identity, so its routes take access rules like /slack/*.
      if (r.match.hook !== undefined && r.access !== undefined && !slackSources.has(r.match.hook)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'access'], message: "a hook route is authorised by its source's secret and carries no Slack identity: say public: true" })
      }
      const ruleNames = new Set<string>()
      r.access?.rules.forEach((rule, k) => {
        if (ruleNames.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'access', 'rules', k, 'name'], message: `duplicate rule name ${rule.name}` })
        ruleNames.add(rule.name)
      })
      for (const [at, ids] of userGroupLists(r.access)) {
        for (const id of ids) {
          if (c.directory === undefined) {
            ctx.addIssue({ code: 'custom', path: ['routes', i, 'access', ...at], message: `user group ${id} needs a directory: add directory.userGroups or directory.slack` })
          } else if (groups !== undefined && !Object.hasOwn(groups, id)) {
            ctx.addIssue({ code: 'custom', path: ['routes', i, 'access', ...at], message: `user group ${id} is not in directory.userGroups` })
          }
        }
      }
      // A step's token is sealed by the instance that took the step and opened by the one that
      // runs it: on a shared queue, every instance needs the same key, derived from vault.masterKey.
      if (r.match.function !== undefined && /^rediss?:/.test(c.queue.store) && c.vault?.masterKey === undefined) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'match', 'function'], message: 'a function route on a Redis queue needs vault.masterKey: every instance must open the step tokens another sealed' })
      }
      for (const which of ['inputs', 'outputs'] as const) {
        const schema = r.step?.[which]
        if (schema === undefined) continue
        try {
          compileBodySchema(schema)
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['routes', i, 'step', which], message: `is not a valid JSON Schema: ${(err as Error).message}` })
        }
      }
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `duplicate route name ${r.name}` })
      names.add(r.name)
      const key = JSON.stringify(r.match)
      if (matches.has(key)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'match'], message: 'another route already matches this' })
      matches.add(key)
    })
  })

function userGroupLists(access: z.output<typeof accessSchema> | undefined): Array<[Array<string | number>, readonly string[]]> {
  if (access === undefined) return []
  const out: Array<[Array<string | number>, readonly string[]]> = []
  access.rules.forEach((r, k) => r.userGroups !== undefined && out.push([['rules', k, 'userGroups'], r.userGroups]))
  if (access.deny?.userGroups !== undefined) out.push([['deny', 'userGroups'], access.deny.userGroups])
  return out
}

export type ConfigInput = z.input<typeof configSchema>
export type ConfigFile = z.output<typeof configSchema>

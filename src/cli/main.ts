#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { ConfigError } from '../config/errors.js'
import type { GatewayConfig, LoadConfigOptions } from '../config/load.js'
import { VERSION } from '../http/version.js'
import { CliError } from './cli-error.js'
import type { DevSecret } from './dev-secret.js'
import type { Stores } from '../gateway/open-stores.js'
import type { ExplainOptions } from './policy.js'
import type { QueryOptions } from './audit.js'
import type { SignOptions } from './sign.js'
import type { VerifyOptions } from './verify.js'
import type { ManifestCommandOptions } from './manifest.js'
import type { InstallationStore } from '../vault/installation-store.js'

// Each command imports what it needs when it runs: `sign` and `verify` must not wait for
// Fastify, BullMQ or pg to load (see test/cli/startup.test.ts).
const loadConfig = async (options: LoadConfigOptions): Promise<GatewayConfig> => (await import('../config/load.js')).loadConfig(options)

const now = () => Math.floor(Date.now() / 1000)
const readInput = (file: string): Buffer => readFileSync(file === '-' ? 0 : file)

const program = new Command()
  .name('slackgate')
  .description('A security gateway between Slack and your internal systems')
  .version(VERSION)
  .showHelpAfterError()
  // Usage errors (unknown option or command, missing or invalid argument) exit 2, as
  // docs/cli.md says; 1 stays "rejected or denied". Subcommands inherit this from here.
  .exitOverride()

program
  .command('start')
  .description('serve the gateway (config from --config or SLACKGATE_CONFIG, else environment and defaults)')
  .option('-c, --config <file>', 'YAML config file')
  .action(async (opts: { config?: string }) => {
    const { serve } = await import('./serve.js')
    await serve(await loadConfig(configOptions(opts)))
  })

program
  .command('dev')
  .description('serve on 127.0.0.1 for development; without a configured secret, generate one into the data directory')
  .option('-c, --config <file>', 'YAML config file')
  .action(async (opts: { config?: string }) => {
    const { ensureDevSigningSecret } = await import('./dev-secret.js')
    let generated: DevSecret | undefined
    const config = await loadConfig({
      ...configOptions(opts),
      defaultHost: '127.0.0.1',
      fallbackSecretRef: (dataDir) => {
        generated = ensureDevSigningSecret(dataDir)
        return `file:${generated.path}`
      },
    })
    if (generated !== undefined) {
      process.stderr.write(
        [
          '',
          `  Development signing secret ${generated.created ? 'generated in' : 'read from'} ${generated.path}`,
          '  (for a real Slack app, set SLACK_SIGNING_SECRET instead):',
          `    ${generated.value}`,
          '  Send a signed test request:  npx --no-install slackgate sign --command /hello | sh',
          '',
        ].join('\n') + '\n',
      )
    }
    const vaultKey = (await import('./vault.js')).ensureDevVaultKey(config)
    if (vaultKey !== undefined) process.stderr.write(`${vaultKey}\n`)
    const { serve } = await import('./serve.js')
    await serve(config)
  })

program
  .command('sign')
  .description('print a Slack-signed request (curl command, raw HTTP or JSON) to exercise a gateway without Slack')
  .option('--secret <ref>', 'signing secret reference: env:NAME or file:PATH (default: SLACK_SIGNING_SECRET, else the dev secret)')
  .option('--url <base>', 'gateway base URL (default http://127.0.0.1:$PORT or 3000)')
  .option('--command <name>', 'a slash command, e.g. /deploy')
  .option('--text <text>', 'slash command text')
  .option('--event <type>', 'an Events API event_callback of this event type, e.g. app_mention')
  .option('--function <callback_id>', "a custom step's function_executed event (its token is made up: Slack refuses the completion)")
  .option('--inputs <json>', 'the step inputs for --function, as a JSON object')
  .addOption(new Option('--interaction <type>', 'an interaction payload').choices(['block_actions', 'view_submission', 'shortcut', 'message_action']))
  .option('--id <id>', 'action_id or callback_id for --interaction', 'approve')
  .option('--url-verification', 'an Events API url_verification handshake')
  .option('--body <file>', 'sign this body file as is (- for stdin)')
  .option('--path <path>', 'request path (default: chosen by the kind of request)')
  .option('--content-type <type>', 'Content-Type header (default: chosen by the kind of request)')
  .option('--team <id>', 'team id', 'T0000000001')
  .option('--user <id>', 'user id', 'U0000000001')
  .option('--channel <id>', 'channel id', 'C0000000001')
  .option('--timestamp <epoch>', 'X-Slack-Request-Timestamp (default: now)')
  .addOption(new Option('--format <format>', 'output').choices(['curl', 'http', 'json']).default('curl'))
  .action(async (opts: SignOptions) => {
    const { signCommand } = await import('./sign.js')
    const out = signCommand(opts, {
      env: process.env,
      cwd: process.cwd(),
      now: now(),
      readBody: (file) => readInput(file).toString('utf8'),
    })
    process.stdout.write(opts.format === 'http' ? out : `${out}\n`)
  })

program
  .command('verify')
  .description('check a captured request offline and print the verdict (exit 0 valid, 1 rejected)')
  .option('--request <file>', 'raw HTTP request, as `slackgate sign --format http` prints it (- for stdin)')
  .option('--body <file>', 'request body file (with --timestamp and --signature)')
  .option('--timestamp <value>', 'X-Slack-Request-Timestamp value')
  .option('--signature <value>', 'X-Slack-Signature value')
  .option('--secret <ref...>', 'signing secret references, env:NAME or file:PATH (default: SLACK_SIGNING_SECRET)')
  .option('--now <epoch>', 'pin the clock, to check an old capture')
  .option('--tolerance <seconds>', 'timestamp window in seconds (default 300)')
  .action(async (opts: VerifyOptions) => {
    const { verifyCommand } = await import('./verify.js')
    const result = verifyCommand(opts, { env: process.env, cwd: process.cwd(), now: now(), readFile: readInput })
    process.stdout.write(`${JSON.stringify(result)}\n`)
    process.exitCode = result.ok ? 0 : 1
  })

const jobs = program.command('jobs').description('inspect and re-drive the delivery queue (dead letters)')

async function withQueue(opts: { config?: string }, run: (queue: Stores['queue'], jobs: typeof import('./jobs.js')) => Promise<string>): Promise<void> {
  const config = await loadConfig({ ...configOptions(opts), withoutSecrets: true })
  const { openStores } = await import('../gateway/open-stores.js')
  const stores = openStores({ replay: { kind: 'memory' }, queue: config.queue.store, audit: config.audit.store, exclusive: false, namespace: config.namespace })
  try {
    await (await import('../gateway/check-stores.js')).requireStores(stores, 5000)
    process.stdout.write(`${await run(stores.queue, await import('./jobs.js'))}\n`)
  } finally {
    await stores.close()
  }
}

jobs
  .command('list')
  .description('list jobs, oldest first')
  .option('-c, --config <file>', 'YAML config file')
  .option('--state <state>', 'queued, active or dead')
  .option('--limit <n>', 'at most this many (default 100)')
  .option('--json', 'one JSON object per line')
  .action((opts: { config?: string; state?: string; limit?: string; json?: boolean }) => withQueue(opts, (q, j) => j.listJobs(q, opts)))

jobs
  .command('retry <id>')
  .description('put a dead job back in the queue, with a fresh attempt count')
  .option('-c, --config <file>', 'YAML config file')
  .action((id: string, opts: { config?: string }) => withQueue(opts, (q, j) => j.retryJob(q, id)))

jobs
  .command('drop <id>')
  .description('delete a dead or waiting job')
  .option('-c, --config <file>', 'YAML config file')
  .action((id: string, opts: { config?: string }) => withQueue(opts, (q, j) => j.dropJob(q, id)))

const keys = program.command('keys').description("the gateway's token signing keys")

keys
  .command('rotate')
  .description('sign with a new key from now on; the previous keys stay published for tokens.rotationGraceSeconds')
  .option('-c, --config <file>', 'YAML config file')
  .action(async (opts: { config?: string }) => {
    const config = await loadConfig({ ...configOptions(opts), withoutSecrets: true })
    const { rotateKeys } = await import('./keys.js')
    process.stdout.write(`${await rotateKeys(config, new Date())}\n`)
  })

keys
  .command('list')
  .description('the signing keys, newest last')
  .option('-c, --config <file>', 'YAML config file')
  .action(async (opts: { config?: string }) => {
    const config = await loadConfig({ ...configOptions(opts), withoutSecrets: true })
    const { listKeys } = await import('./keys.js')
    process.stdout.write(`${listKeys(config, new Date())}\n`)
  })

/** Runs a vault command on the configured installation store, prints what it returns, and closes the store. */
async function withInstallations(opts: { config?: string }, run: (config: GatewayConfig, store: InstallationStore) => Promise<string>): Promise<void> {
  const config = await loadConfig({ ...configOptions(opts), withoutSecrets: true })
  const store = await (await import('../vault/open-installation-store.js')).openInstallationStore(config.vault.store)
  try {
    process.stdout.write(`${await run(config, store)}\n`)
  } finally {
    await store.close()
  }
}

keys
  .command('vault-init')
  .description("make the token vault's master key: a key file in the data directory (mode 0600), unless vault.masterKey names one")
  .option('-c, --config <file>', 'YAML config file')
  .action(async (opts: { config?: string }) => {
    const config = await loadConfig({ ...configOptions(opts), withoutSecrets: true })
    process.stdout.write(`${await (await import('./vault.js')).vaultInit(config)}\n`)
  })

program
  .command('vault')
  .description('the token vault')
  .command('rewrap')
  .description('rotate the master key: wrap the data key under a new one (the running gateway keeps serving every token)')
  .option('-c, --config <file>', 'YAML config file')
  .option('--new-key-ref <ref>', 'the new master key, env:NAME or file:PATH (32 bytes, base64); default: a new key file in the data directory')
  .action((opts: { config?: string; newKeyRef?: string }) =>
    withInstallations(opts, async (config, store) => {
      const options = opts.newKeyRef === undefined ? {} : { newKeyRef: opts.newKeyRef }
      return (await import('./vault.js')).vaultRewrap(config, store, options, process.env, process.cwd())
    }),
  )

program
  .command('installations')
  .description('the app installations in the token vault')
  .command('list')
  .description('workspace, enterprise, scopes, installer, install time and token expiry of each installation (never a token)')
  .option('-c, --config <file>', 'YAML config file')
  .option('--json', 'one JSON object per line')
  .action((opts: { config?: string; json?: boolean }) =>
    withInstallations(opts, async (config, store) => {
      // A summary opens no token: listing needs no master key.
      const summaries = await (await import('../vault/create-vault.js')).createVault({ store, masterKeys: [] }).list()
      return (await import('./installations.js')).listInstallations(config, summaries, opts)
    }),
  )

program
  .command('admin')
  .description('the admin console')
  .command('hash-password')
  .description('read a password from stdin (not echoed on a terminal) and print its scrypt hash, for admin.users[].passwordHash')
  .action(async () => {
    const { hashPasswordCommand } = await import('./admin.js')
    process.stdout.write(`${await hashPasswordCommand({ input: process.stdin, prompts: process.stderr })}\n`)
  })

const policy = program.command('policy').description('who may run which route, where')

policy
  .command('explain')
  .description('decide for a request from this team, channel and user, and name the rule (exit 0 allowed, 1 denied)')
  .option('-c, --config <file>', 'YAML config file')
  .requiredOption('--route <name>', 'route name')
  .option('--team <id>', 'workspace (team) id')
  .option('--enterprise <id>', 'enterprise grid id')
  .option('--channel <id>', 'channel id (a D… id is a DM)')
  .option('--user <id>', 'user id')
  .option("--user-team <id>", "the user's own workspace, when it is not --team (Slack Connect)")
  .option('--dm', 'the request comes from a direct message')
  .option('--shared', 'the channel is shared with another organisation (Slack Connect)')
  .option('--subject <sub>', "a workflow call's token subject")
  .option('--scope <scope...>', "a workflow call's token scopes")
  .option('--json', 'print the decision and its steps as JSON')
  .action(async (opts: ExplainOptions & { config?: string }) => {
    const { explainCommand } = await import('./policy.js')
    const result = await explainCommand(await loadConfig({ ...configOptions(opts), withoutSecrets: true }), opts)
    process.stdout.write(`${result.output}\n`)
    process.exitCode = result.exitCode
  })

policy
  .command('lint')
  .description('report public routes, rules that can never match, entries a deny list cancels, and overlapping rules')
  .option('-c, --config <file>', 'YAML config file')
  .option('--strict', 'exit 1 on any finding, not only on rules that can never match')
  .option('--json', 'one JSON object per finding')
  .action(async (opts: { config?: string; strict?: boolean; json?: boolean }) => {
    const { lintCommand } = await import('./policy.js')
    const result = await lintCommand(await loadConfig({ ...configOptions(opts), withoutSecrets: true }), opts)
    process.stdout.write(`${result.output}\n`)
    process.exitCode = result.exitCode
  })

program
  .command('scopes')
  .description("the install flow's declared OAuth scopes")
  .command('lint')
  .description('report broad scopes: admin*, *:write where every route only reads, history scopes no message route needs')
  .option('-c, --config <file>', 'YAML config file')
  .option('--strict', 'exit 1 on any finding')
  .option('--json', 'one JSON object per finding')
  .action(async (opts: { config?: string; strict?: boolean; json?: boolean }) => {
    const { scopesLintCommand } = await import('./scopes.js')
    const result = scopesLintCommand(await loadConfig({ ...configOptions(opts), withoutSecrets: true }), opts)
    process.stdout.write(`${result.output}\n`)
    process.exitCode = result.exitCode
  })

program
  .command('manifest')
  .description("print the Slack app manifest of the config's routes, to create or update the app from")
  .option('-c, --config <file>', 'YAML config file')
  .option('--url <url>', "the gateway's public https URL (default: the origin of install.redirectUrl; required without it)")
  .option('--name <name>', "the app's name and its bot's display name (at most 35 characters)", 'slackgate')
  .option('--token-rotation', 'expiring tokens, refreshed by the gateway (Slack cannot turn this off again)')
  .option('--bot-scope <scope...>', 'bot scopes the handlers need, such as chat:write (only without install: with it, install.scopes.bot)')
  .addOption(new Option('--format <format>', 'output').choices(['yaml', 'json']).default('yaml'))
  .action(async (opts: ManifestCommandOptions & { config?: string }) => {
    const { manifestCommand } = await import('./manifest.js')
    const { output, warnings } = manifestCommand(await loadConfig({ ...configOptions(opts), withoutSecrets: true }), opts)
    for (const warning of warnings) process.stderr.write(`${warning}\n`)
    process.stdout.write(output)
  })

const audit = program.command('audit').description('the tamper-evident audit log: verify, tail, query, export')
const auditConfig = (opts: { config?: string }) => loadConfig({ ...configOptions(opts), withoutSecrets: true })
const auditCommands = async () => ({ ...(await import('./audit.js')), ...(await import('./open-audit.js')) })

async function print(lines: AsyncIterable<string>): Promise<void> {
  for await (const line of lines) {
    if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve))
  }
}

audit
  .command('verify')
  .description('walk the hash chain; report the first record altered, inserted or deleted (exit 0 intact, 1 tampered)')
  .option('-c, --config <file>', 'YAML config file')
  .option('--anchor <seq:hash>', 'a chain head recorded earlier (from /healthz or a previous verify): also detects a cut or rewritten chain')
  .action(async (opts: { config?: string; anchor?: string }) => {
    const { withAuditLog, verifyAudit } = await auditCommands()
    const result = await withAuditLog(await auditConfig(opts), (log) => verifyAudit(log, opts.anchor))
    process.stdout.write(`${JSON.stringify(result)}\n`)
    process.exitCode = result.ok ? 0 : 1
  })

audit
  .command('tail')
  .description('the latest records as JSON lines; --follow keeps printing new ones')
  .option('-c, --config <file>', 'YAML config file')
  .option('-n, --lines <n>', 'how many', '20')
  .option('-f, --follow', 'keep printing records as they are written')
  .action(async (opts: { config?: string; lines: string; follow?: boolean }) => {
    const n = /^[0-9]{1,6}$/.test(opts.lines) ? Number(opts.lines) : Number.NaN
    if (Number.isNaN(n)) throw new CliError('--lines must be a whole number')
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    process.once('SIGTERM', () => stop.abort())
    const { withAuditLog, tailAudit } = await auditCommands()
    await withAuditLog(await auditConfig(opts), (log) => print(tailAudit(log, n, opts.follow === true ? { pollMs: 1000, signal: stop.signal } : undefined)))
  })

const queryOptions = (command: Command) =>
  command
    .option('-c, --config <file>', 'YAML config file')
    .option('--since <time>', 'from this instant (ISO 8601, a date, or epoch seconds), inclusive')
    .option('--until <time>', 'up to this instant, exclusive')
    .option('--team <id>', 'workspace id')
    .option('--channel <id>', 'channel id')
    .option('--user <id>', 'user id')
    .option('--route <name>', 'route name')
    .option('--verdict <verdict>', 'accepted, answered, duplicate, unrouted, denied, rejected, delivered, retrying, dead, …')
    .option('--reason <code>', 'reason code')
    .addOption(new Option('--kind <kind>', 'request, delivery, lifecycle, step or admin').choices(['request', 'delivery', 'lifecycle', 'step', 'admin']))
    .option('--job <id>', 'job id')
    .option('--limit <n>', 'at most this many records')
    .addOption(new Option('--format <format>', 'output').choices(['jsonl', 'csv']).default('jsonl'))

queryOptions(audit.command('query').description('records matching the filters, oldest first')).action(async (opts: QueryOptions & { config?: string }) => {
  const { withAuditLog, queryAudit } = await auditCommands()
  await withAuditLog(await auditConfig(opts), (log) => print(queryAudit(log, opts)))
})

queryOptions(audit.command('export').description('every record (or those matching the filters) as JSON lines or CSV, for the compliance archive')).action(
  async (opts: QueryOptions & { config?: string }) => {
    const { withAuditLog, queryAudit } = await auditCommands()
    await withAuditLog(await auditConfig(opts), (log) => print(queryAudit(log, opts)))
  },
)

function configOptions(opts: { config?: string }): LoadConfigOptions {
  return opts.config === undefined ? {} : { file: opts.config }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander has printed the message (or the help, or the version) already.
    process.exitCode = err.exitCode === 0 ? 0 : 2
    return
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`slackgate: configuration error\n${err.message.replace(/^/gm, '  ')}\n`)
  } else if (err instanceof CliError) {
    process.stderr.write(`slackgate: ${err.message}\n`)
  } else {
    process.stderr.write(`slackgate: ${err instanceof Error ? err.message : String(err)}\n`)
  }
  process.exitCode = 2
})


import { resolveSecretRef } from '../config/secret-ref.js'
import { verifySlackSignature, type SlackVerifyResult } from '../verify/slack-signature.js'
import { createSigningSecret } from '../verify/signing-secret.js'
import { CliError } from './cli-error.js'
import { defaultSecretRef } from './default-secret-ref.js'
import { parseHttpMessage } from './http-message.js'

export interface VerifyOptions {
  request?: string
  body?: string
  timestamp?: string
  signature?: string
  secret?: string[]
  now?: string
  tolerance?: string
}

export interface VerifyContext {
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  readonly now: number
  readonly readFile: (file: string) => Buffer
}

/**
 * Checks a captured request offline, exactly as the gateway would. Give the whole message
 * (`--request`, as `slackgate sign --format http` prints it) or its parts.
 */
export function verifyCommand(options: VerifyOptions, ctx: VerifyContext): SlackVerifyResult {
  const refs = options.secret && options.secret.length > 0 ? options.secret : [defaultSecretRef(ctx.env, ctx.cwd)]
  const secrets = refs.map((ref, i) => {
    if (ref === undefined) throw new CliError('no signing secret: pass --secret env:NAME or file:PATH, or set SLACK_SIGNING_SECRET')
    const resolved = resolveSecretRef(ref, ctx.env, ctx.cwd)
    if (!resolved.ok) throw new CliError(`--secret #${i + 1}: ${resolved.message}`)
    return createSigningSecret(resolved.value)
  })
  const now = options.now === undefined ? ctx.now : integer('--now', options.now)
  const toleranceSeconds = options.tolerance === undefined ? undefined : integer('--tolerance', options.tolerance)

  let input
  if (options.request !== undefined) {
    if (options.body !== undefined || options.timestamp !== undefined || options.signature !== undefined) {
      throw new CliError('--request already holds the body and headers; do not combine it with --body, --timestamp or --signature')
    }
    let captured
    try {
      captured = parseHttpMessage(read(ctx, options.request, '--request'))
    } catch (err) {
      if (err instanceof CliError) throw err
      throw new CliError(`--request: ${(err as Error).message}`)
    }
    input = {
      body: captured.body,
      timestamp: single(captured.headers.get('x-slack-request-timestamp')),
      signature: single(captured.headers.get('x-slack-signature')),
    }
  } else {
    if (options.body === undefined) throw new CliError('give --request FILE, or --body FILE with --timestamp and --signature')
    input = { body: read(ctx, options.body, '--body'), timestamp: options.timestamp, signature: options.signature }
  }
  return verifySlackSignature(input, { secrets, now, ...(toleranceSeconds !== undefined && { toleranceSeconds }) })
}

function single(values: readonly string[] | undefined): string | readonly string[] | undefined {
  return values === undefined ? undefined : values.length === 1 ? values[0] : values
}

function read(ctx: VerifyContext, file: string, flag: string): Buffer {
  try {
    return ctx.readFile(file)
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

function integer(flag: string, value: string): number {
  if (!/^[0-9]{1,12}$/.test(value)) throw new CliError(`${flag} must be a whole number`)
  return Number(value)
}

import { resolveSecretRef } from '../config/secret-ref.js'
import { signSlackRequest } from '../verify/slack-signature.js'
import { createSigningSecret } from '../verify/signing-secret.js'
import { CliError } from './cli-error.js'
import { defaultSecretRef } from './default-secret-ref.js'
import { toCurl, toHttpMessage, toJson, type SignedRequest } from './http-message.js'
import {
  eventBody,
  functionExecutedBody,
  INTERACTION_TYPES,
  interactionBody,
  slashCommandBody,
  urlVerificationBody,
  type InteractionType,
  type SampleRequest,
} from './sample-requests.js'

export interface SignOptions {
  secret?: string
  url?: string
  timestamp?: string
  format?: string
  command?: string
  text?: string
  event?: string
  function?: string
  inputs?: string
  interaction?: string
  id?: string
  urlVerification?: boolean
  body?: string
  path?: string
  contentType?: string
  team?: string
  user?: string
  channel?: string
}

export interface SignContext {
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  readonly now: number
  readonly readBody: (file: string) => string
}

const FORMATS = ['curl', 'http', 'json'] as const

/** Builds and signs a request as Slack would send it; returns the text to print. */
export function signCommand(options: SignOptions, ctx: SignContext): string {
  const format = options.format ?? 'curl'
  if (!(FORMATS as readonly string[]).includes(format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`)

  const ref = options.secret ?? defaultSecretRef(ctx.env, ctx.cwd)
  if (ref === undefined) {
    throw new CliError('no signing secret: pass --secret env:NAME or file:PATH, set SLACK_SIGNING_SECRET, or run `slackgate dev` once')
  }
  const resolved = resolveSecretRef(ref, ctx.env, ctx.cwd)
  if (!resolved.ok) throw new CliError(`--secret: ${resolved.message}`)

  const timestamp = options.timestamp ?? String(ctx.now)
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw new CliError('--timestamp must be epoch seconds')
  const sample = sampleFor(options, ctx)
  const base = options.url ?? `http://127.0.0.1:${ctx.env.PORT || 3000}`
  let url: URL
  try {
    url = new URL(options.path ?? sample.path, base)
  } catch {
    throw new CliError('--url must be an absolute URL such as http://127.0.0.1:3000')
  }
  const signature = signSlackRequest(createSigningSecret(resolved.value), timestamp, sample.body)
  const request: SignedRequest = {
    url,
    headers: [
      ['Content-Type', options.contentType ?? sample.contentType],
      ['X-Slack-Request-Timestamp', timestamp],
      ['X-Slack-Signature', signature],
    ],
    body: sample.body,
  }
  return format === 'curl' ? toCurl(request) : format === 'http' ? toHttpMessage(request) : toJson(request)
}

function sampleFor(options: SignOptions, ctx: SignContext): SampleRequest {
  const chosen = [options.command, options.event, options.function, options.interaction, options.urlVerification, options.body].filter(
    (v) => v !== undefined && v !== false,
  )
  if (chosen.length !== 1) {
    throw new CliError('choose exactly one of --command, --event, --function, --interaction, --url-verification, --body')
  }
  if (options.inputs !== undefined && options.function === undefined) throw new CliError('--inputs goes with --function')
  const who = { team: options.team ?? 'T0000000001', user: options.user ?? 'U0000000001', channel: options.channel ?? 'C0000000001' }
  if (options.command !== undefined) {
    if (!/^\/\S+$/.test(options.command)) throw new CliError('--command must look like /deploy')
    return slashCommandBody(options.command, options.text ?? '', who)
  }
  if (options.event !== undefined) return eventBody(options.event, who, ctx.now)
  if (options.function !== undefined) {
    if (!/^[a-z0-9_]{1,100}$/.test(options.function)) throw new CliError("--function is a custom step's callback_id: lowercase letters, digits and _")
    return functionExecutedBody(options.function, stepInputs(options.inputs), who, ctx.now)
  }
  if (options.interaction !== undefined) {
    if (!(INTERACTION_TYPES as readonly string[]).includes(options.interaction)) {
      throw new CliError(`--interaction must be one of ${INTERACTION_TYPES.join(', ')}`)
    }
    return interactionBody(options.interaction as InteractionType, options.id ?? 'approve', who)
  }
  if (options.urlVerification === true) return urlVerificationBody()
  const file = options.body as string
  let body: string
  try {
    body = ctx.readBody(file)
  } catch (err) {
    throw new CliError(`--body: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const looksJson = body.trimStart().startsWith('{')
  return {
    path: looksJson ? '/slack/events' : '/slack/commands',
    contentType: looksJson ? 'application/json' : 'application/x-www-form-urlencoded',
    body,
  }
}

/** `--inputs`: the step's inputs as a JSON object, by input parameter name. */
function stepInputs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CliError('--inputs must be a JSON object, such as \'{"amount": 42}\'')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError('--inputs must be a JSON object, such as \'{"amount": 42}\'')
  return value as Record<string, unknown>
}

import { createSecretKey } from 'node:crypto'
import { genericScheme, PRESETS, type HookScheme } from '../verify/hook-schemes.js'
import type { HookSecret } from '../verify/hook-signature.js'
import type { ConfigProblem } from './errors.js'
import { resolveSecretRef } from './secret-ref.js'
import type { SourceConfig } from './sources-schema.js'

/** A webhook source, ready to verify: its scheme built and its secrets read into key objects. */
export interface HookSource {
  readonly name: string
  readonly scheme: HookScheme
  readonly secrets: readonly HookSecret[]
  readonly toleranceSeconds: number
  /** How long an accepted delivery's keys are remembered. */
  readonly dedupeSeconds: number
}

/** Slack's signing secrets are 32 hexadecimal characters; a shorter one is a mistake (or a guessable test value). */
export const SLACK_SIGNING_SECRET_LENGTH = 32

/**
 * Resolves every source's secrets; problems are reported by key, never with a value. A
 * `preset: slack` source's secret is a Slack signing secret: as long as Slack's, unless
 * `slack.allowShortSigningSecret` (tests only) says otherwise.
 */
export function resolveHookSources(
  sources: readonly SourceConfig[],
  env: NodeJS.ProcessEnv,
  baseDir: string,
  problems: ConfigProblem[],
  allowShortSlackSecret = false,
): HookSource[] {
  return sources.map((source, i) => {
    const scheme: HookScheme =
      source.preset === 'generic'
        ? genericScheme({
            ...(source.signature as NonNullable<SourceConfig['signature']>),
            basestring: source.basestring ?? '{body}',
            ...(source.timestampHeader !== undefined && { timestampHeader: source.timestampHeader }),
            ...(source.idHeader !== undefined && { idHeader: source.idHeader }),
          })
        : PRESETS[source.preset]
    const secrets: HookSecret[] = []
    source.secrets.forEach((entry, k) => {
      const key = `sources[${i}].secrets[${k}].ref`
      const resolved = resolveSecretRef(entry.ref, env, baseDir)
      if (!resolved.ok) return void problems.push({ key, message: resolved.message })
      let bytes: Buffer
      try {
        bytes = scheme.keyBytes(resolved.value)
      } catch (err) {
        return void problems.push({ key, message: (err as Error).message })
      }
      if (bytes.length < 16) return void problems.push({ key, message: 'a webhook secret must be at least 16 bytes' })
      if (source.preset === 'slack' && resolved.value.length < SLACK_SIGNING_SECRET_LENGTH && !allowShortSlackSecret) {
        return void problems.push({
          key,
          message:
            `is shorter than a Slack signing secret (${SLACK_SIGNING_SECRET_LENGTH} characters): copy the Signing Secret from ` +
            "your app's Basic Information page (slack.allowShortSigningSecret: true is for tests only)",
        })
      }
      const notAfter = entry.notAfter === undefined ? undefined : Date.parse(entry.notAfter) / 1000
      secrets.push({ key: createSecretKey(bytes), ...(notAfter !== undefined && { notAfter }) })
    })
    const dedupeSeconds = source.dedupeSeconds ?? Math.max(scheme.defaultDedupeSeconds, 2 * source.toleranceSeconds)
    return { name: source.name, scheme, secrets, toleranceSeconds: source.toleranceSeconds, dedupeSeconds }
  })
}

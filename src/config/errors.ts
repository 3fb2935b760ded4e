/** Reason codes for configuration problems; raised at startup, never per request. */
export const CONFIG_CODES = ['invalid_config', 'unresolved_secret'] as const

export type ConfigCode = (typeof CONFIG_CODES)[number]

export interface ConfigProblem {
  /** Dotted path of the offending key, e.g. `slack.signingSecrets[1].ref`, or an env var name. */
  readonly key: string
  readonly message: string
}

/**
 * A configuration that cannot be used. The message lists every problem with the key that
 * caused it; it never contains a secret value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(
    readonly code: ConfigCode,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('\n'))
  }
}

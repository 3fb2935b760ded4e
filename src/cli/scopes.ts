import type { GatewayConfig } from '../config/load.js'
import { lintScopes, type ScopeFinding } from '../install/scope-lint.js'
import { CliError } from './cli-error.js'
import type { CommandResult } from './policy.js'

/**
 * `slackgate scopes lint`: the broad scopes among `install.scopes` (see install/scope-lint.ts).
 * Findings are warnings: exit 0, or 1 with `--strict`. A config without `install` is a usage
 * error (exit 2): there are no declared scopes to lint.
 */
export function scopesLintCommand(config: GatewayConfig, opts: { json?: boolean; strict?: boolean }): CommandResult {
  if (config.install === undefined) throw new CliError('scopes lint reads install.scopes, and the configuration has no install section')
  const { scopes } = config.install
  const findings = lintScopes(scopes, config.routes)
  const output =
    opts.json === true
      ? findings.map((f) => JSON.stringify(f)).join('\n')
      : findings.length === 0
        ? `${scopes.bot.length} bot and ${scopes.user.length} user scope(s): no findings`
        : findings.map(render).join('\n')
  return { output, exitCode: opts.strict === true && findings.length > 0 ? 1 : 0 }
}

function render(f: ScopeFinding): string {
  return `warning: [${f.code}] ${f.kind} scope ${f.scope}: ${f.message}`
}

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type GatewayConfig } from '../../src/config/load.js'
import { NOW, SECRET } from './signing.js'

/** Loads `yaml` as a config file in a fresh directory, with SECRET as Slack's signing secret and the clock at NOW. */
export function loadYaml(yaml: string, env: Record<string, string> = {}): GatewayConfig {
  const file = join(mkdtempSync(join(tmpdir(), 'slackgate-config-')), 'slackgate.yaml')
  writeFileSync(file, yaml)
  return loadConfig({ file, env: { SLACK_SIGNING_SECRET: SECRET, ...env }, now: NOW })
}

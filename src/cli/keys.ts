import { join } from 'node:path'
import type { GatewayConfig } from '../config/load.js'
import { KEY_FILE, readKeyFile, rotateKeyFile } from '../keys/key-file.js'
import { CliError } from './cli-error.js'

/**
 * `slackgate keys rotate`: a new key signs from now on (a running gateway picks it up within
 * seconds); the previous ones stay published for `tokens.rotationGraceSeconds`, then retire.
 */
export async function rotateKeys(config: GatewayConfig, now: Date): Promise<string> {
  if (config.tokens.suppliedKeys !== undefined) {
    throw new CliError('tokens.keys supplies the signing keys: rotate them there (list the new key first, keep the old one until tokens expire)')
  }
  const path = join(config.dataDir, KEY_FILE)
  const { added, retiring, removed } = await rotateKeyFile(path, config.tokens.algorithm, config.tokens.rotationGraceSeconds, now)
  const lines = [`signing with ${added.kid} (${added.alg}) from now on`]
  for (const k of retiring) lines.push(`still published until ${k.retireAt as string}: ${k.kid}`)
  for (const k of removed) lines.push(`retired and removed: ${k.kid}`)
  return lines.join('\n')
}

/** `slackgate keys list`: the keys in the key file, newest last, and which one signs. */
export function listKeys(config: GatewayConfig, now: Date): string {
  if (config.tokens.suppliedKeys !== undefined) return 'tokens.keys supplies the signing keys (see the config file)'
  const keys = readKeyFile(join(config.dataDir, KEY_FILE))
  if (keys === undefined || keys.length === 0) return 'no signing keys yet: the gateway creates one at its first start'
  return keys
    .map((k) => {
      const state = k.retireAt === undefined ? 'signing' : Date.parse(k.retireAt) > now.getTime() ? `published until ${k.retireAt}` : 'retired'
      return `${k.kid}  ${k.alg}  created ${k.createdAt}  ${state}`
    })
    .join('\n')
}

import { randomUUID } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'

/** The algorithms the gateway signs its tokens with. */
export type TokenAlgorithm = 'EdDSA' | 'RS256'

/** One key of the key file: the newest without `retireAt` signs; the others are published until they retire. */
export interface StoredKey {
  readonly kid: string
  readonly alg: TokenAlgorithm
  /** ISO 8601. */
  readonly createdAt: string
  /** ISO 8601: after this instant the key is neither published nor used. */
  readonly retireAt?: string
  /** The private JWK (it holds the public members too). */
  readonly jwk: JWK
}

interface KeyFile {
  readonly version: 1
  readonly keys: readonly StoredKey[]
}

/** The gateway's signing keys in its data directory, readable by its owner only. */
export const KEY_FILE = 'signing-keys.json'

/** Reads the key file; undefined if there is none. A file that is not a key file is an error. */
export function readKeyFile(path: string): StoredKey[] | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = JSON.parse(text) as Partial<KeyFile>
  if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`${path} is not a slackgate key file`)
  return [...parsed.keys]
}

/** Writes the key file atomically (a temporary file renamed over it), mode 0600. */
export function writeKeyFile(path: string, keys: readonly StoredKey[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${randomUUID()}.tmp`
  writeFileSync(tmp, `${JSON.stringify({ version: 1, keys } satisfies KeyFile, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

/** A fresh key pair, its `kid` the RFC 7638 thumbprint of the public key. */
export async function generateStoredKey(alg: TokenAlgorithm, now: Date): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' && { modulusLength: 2048 }) })
  const jwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { kid, alg, createdAt: now.toISOString(), jwk: { ...jwk, kid, alg } }
}

/** Keys still live at `now`: retired ones are dropped. */
export function liveKeys(keys: readonly StoredKey[], now: Date): StoredKey[] {
  return keys.filter((k) => k.retireAt === undefined || Date.parse(k.retireAt) > now.getTime())
}

/** Opens the key file, creating it with one key of `alg` on first start. */
export async function ensureKeyFile(path: string, alg: TokenAlgorithm, now: Date): Promise<StoredKey[]> {
  const existing = readKeyFile(path)
  if (existing !== undefined && liveKeys(existing, now).length > 0) return existing
  const keys = [...(existing ?? []), await generateStoredKey(alg, now)]
  writeKeyFile(path, keys)
  return keys
}

export interface RotationResult {
  readonly added: StoredKey
  /** Keys that keep being published until their `retireAt`. */
  readonly retiring: readonly StoredKey[]
  /** Keys removed because their grace period had ended. */
  readonly removed: readonly StoredKey[]
}

/**
 * `slackgate keys rotate`: adds a new signer; every key that was live is published for
 * `graceSeconds` more (tokens it signed verify until then), and keys past their grace are
 * removed from the file.
 */
export async function rotateKeyFile(path: string, alg: TokenAlgorithm, graceSeconds: number, now: Date): Promise<RotationResult> {
  const existing = readKeyFile(path) ?? []
  const live = liveKeys(existing, now)
  const removed = existing.filter((k) => !live.includes(k))
  const retireAt = new Date(now.getTime() + graceSeconds * 1000).toISOString()
  const retiring = live.map((k) => (k.retireAt !== undefined && k.retireAt < retireAt ? k : { ...k, retireAt }))
  const added = await generateStoredKey(alg, now)
  writeKeyFile(path, [...retiring, added])
  return { added, retiring, removed }
}

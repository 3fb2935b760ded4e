import { statSync } from 'node:fs'
import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'
import { ensureKeyFile, liveKeys, readKeyFile, type StoredKey, type TokenAlgorithm } from './key-file.js'

/** A key the gateway can sign with, and what it publishes for it. */
export interface SigningKey {
  readonly kid: string
  readonly alg: TokenAlgorithm
  readonly privateKey: CryptoKey
  /** The public members only, with `kid`, `alg` and `use`. */
  readonly publicJwk: JWK
  /** Epoch ms after which the key is neither used nor published. */
  readonly retireAt?: number
}

export interface SigningKeys {
  /** The key that signs now: the newest live key that is not retiring. */
  signer(): SigningKey
  /** The public key set, as served at `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] }
  /** Reads the key file again if it changed (the running gateway picks up `keys rotate`). */
  refresh(): Promise<void>
  close(): void
}

export type SigningKeysSource =
  /** Keys generated into, and rotated in, a file of the data directory. */
  | { readonly kind: 'file'; readonly path: string; readonly algorithm: TokenAlgorithm }
  /** Private keys supplied by reference (PEM PKCS#8 or JWK text): the first signs. */
  | { readonly kind: 'supplied'; readonly keys: ReadonlyArray<{ readonly text: string; readonly kid?: string }>; readonly algorithm: TokenAlgorithm }

export interface OpenSigningKeysOptions {
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number
  /** How often the key file is checked for a rotation (default 2 s; 0: never). */
  readonly refreshMs?: number
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const

/**
 * Opens the gateway's signing keys: from its key file (created with one key on first start)
 * or from keys supplied by reference. Private keys never leave this object; only their
 * public halves are published.
 */
export async function openSigningKeys(source: SigningKeysSource, options: OpenSigningKeysOptions = {}): Promise<SigningKeys> {
  const now = options.now ?? Date.now
  let keys: SigningKey[]
  // The key file is replaced by rename on every write: a new inode, or a new mtime, is a change.
  let version = ''
  const versionOf = (path: string) => {
    const st = statSync(path, { throwIfNoEntry: false })
    return st === undefined ? undefined : `${st.ino}:${st.mtimeMs}`
  }
  if (source.kind === 'file') {
    keys = await Promise.all((await ensureKeyFile(source.path, source.algorithm, new Date(now()))).map(fromStored))
    version = versionOf(source.path) ?? ''
  } else {
    keys = await Promise.all(
      source.keys.map((k, i) =>
        // Parser messages quote their input (JSON.parse does): say which key, never what it holds.
        fromSupplied(k.text, source.algorithm, k.kid).catch(() => {
          throw new Error(`tokens.keys[${i}] is not a private ${source.algorithm} key (PEM PKCS#8 or a JWK with "d")`)
        }),
      ),
    )
  }

  async function refresh(): Promise<void> {
    if (source.kind !== 'file') return
    const current = versionOf(source.path)
    if (current === undefined || current === version) return
    const stored = readKeyFile(source.path)
    if (stored === undefined) return
    const loaded = await Promise.all(liveKeys(stored, new Date(now())).map(fromStored))
    if (loaded.length === 0) return
    keys = loaded
    version = current
  }

  const live = () => keys.filter((k) => k.retireAt === undefined || k.retireAt > now())
  const timer =
    source.kind === 'file' && (options.refreshMs ?? 2000) > 0
      ? setInterval(() => void refresh().catch(() => undefined), options.refreshMs ?? 2000).unref()
      : undefined

  return {
    signer() {
      const candidates = live()
      // Supplied keys: the first signs. File keys: the newest that is not retiring.
      const signer =
        source.kind === 'supplied' ? candidates[0] : (candidates.filter((k) => k.retireAt === undefined).at(-1) ?? candidates.at(-1))
      if (signer === undefined) throw new Error('no live signing key: run `slackgate keys rotate`')
      return signer
    },
    jwks: () => ({ keys: live().map((k) => k.publicJwk) }),
    refresh,
    close() {
      if (timer !== undefined) clearInterval(timer)
    },
  }
}

async function fromStored(stored: StoredKey): Promise<SigningKey> {
  const privateKey = (await importJWK(stored.jwk, stored.alg)) as CryptoKey
  return {
    kid: stored.kid,
    alg: stored.alg,
    privateKey,
    publicJwk: publicJwk(stored.jwk, stored.kid, stored.alg),
    ...(stored.retireAt !== undefined && { retireAt: Date.parse(stored.retireAt) }),
  }
}

async function fromSupplied(text: string, alg: TokenAlgorithm, kid?: string): Promise<SigningKey> {
  const trimmed = text.trim()
  let jwk: JWK
  let privateKey: CryptoKey
  if (trimmed.startsWith('{')) {
    jwk = JSON.parse(trimmed) as JWK
    if (jwk.d === undefined) throw new Error('a signing key must be a private key')
    privateKey = (await importJWK(jwk, alg)) as CryptoKey
  } else {
    privateKey = await importPKCS8(trimmed, alg, { extractable: true })
    jwk = await exportJWK(privateKey)
  }
  const id = kid ?? jwk.kid ?? (await calculateJwkThumbprint(jwk))
  return { kid: id, alg, privateKey, publicJwk: publicJwk(jwk, id, alg) }
}

function publicJwk(jwk: JWK, kid: string, alg: TokenAlgorithm): JWK {
  const out: JWK = { kid, alg, use: 'sig' }
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) out[member] = jwk[member]
  return out
}

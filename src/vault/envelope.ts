import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { VaultError } from './errors.js'

/**
 * Envelope encryption of the vault. Every token is sealed with AES-256-GCM under the data
 * key; the data key is sealed (wrapped) the same way under the master key, which is never
 * stored beside it. Rotating the master key rewraps one data key, not every token.
 *
 * A sealed value is `v1.` + base64url of nonce (12 random bytes: NIST SP 800-38D §8.2.2, a
 * random 96-bit IV per encryption) ‖ tag (16 bytes, set and checked explicitly: Node would
 * otherwise accept a truncated tag) ‖ ciphertext. The associated data names where the value
 * belongs (installation key, token kind, field, and a digest of the installation's stored
 * description), so a ciphertext moved to another installation or another slot, or a
 * description edited beside it, fails to open instead of serving the wrong token.
 */
const VERSION = 'v1.'
const NONCE_BYTES = 12
const TAG_BYTES = 16
export const KEY_BYTES = 32

/** Where a sealed token belongs: its associated data. */
export interface TokenSlot {
  /** The installation key, `team:T…` or `enterprise:E…`. */
  readonly installation: string
  readonly kind: 'bot' | 'user'
  readonly field: 'token' | 'refreshToken'
  /**
   * What else the token is bound to: the SHA-256 of the installation's stored description
   * (stored-installation.ts), so that its expiry, scopes or origin cannot be edited in the
   * database without its tokens failing to open.
   */
  readonly context?: string
}

/** The data key as stored: wrapped under the master key whose id it names. */
export interface WrappedDataKey {
  readonly masterKeyId: string
  readonly wrapped: string
}

/**
 * The id of a master key: the first 8 bytes of a domain-separated SHA-256, in hex. It tells
 * keys apart (a wrong key is refused by name) and reveals nothing usable about a 256-bit key.
 *
 * @example
 * masterKeyId(randomBytes(32)) // '3f1c0e9a7b2d4c55'
 */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update('slackgate/vault/master-key-id\0').update(masterKey).digest('hex').slice(0, 16)
}

/** `bot.token`, `user.refreshToken`: how errors and tests name a slot. */
export function slotName(slot: TokenSlot): string {
  return `${slot.kind}.${slot.field}`
}

/** A new random data key. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES)
}

export function wrapDataKey(dataKey: Buffer, masterKey: Buffer): WrappedDataKey {
  const id = masterKeyId(masterKey)
  return { masterKeyId: id, wrapped: seal(masterKey, dataKey, dataKeyAad(id)) }
}

/**
 * The data key, unwrapped. A master key other than the one it is wrapped under is refused by
 * its id (`vault_key_mismatch`) before any decryption; a wrapping that fails its tag is
 * `token_decrypt_failed`.
 */
export function unwrapDataKey(stored: WrappedDataKey, masterKey: Buffer): Buffer {
  const id = masterKeyId(masterKey)
  if (id !== stored.masterKeyId) {
    throw new VaultError('vault_key_mismatch', `the data key is wrapped under master key ${stored.masterKeyId}, not under the key given (${id})`, {
      masterKeyId: id,
      expectedMasterKeyId: stored.masterKeyId,
    })
  }
  const key = open(masterKey, stored.wrapped, dataKeyAad(id))
  if (key === undefined || key.length !== KEY_BYTES) {
    throw new VaultError('token_decrypt_failed', 'the wrapped data key does not open under its master key (altered)', { slot: 'data_key', masterKeyId: id })
  }
  return key
}

/** Seals one token for its slot. */
export function sealToken(dataKey: Buffer, token: string, slot: TokenSlot): string {
  return seal(dataKey, Buffer.from(token, 'utf8'), tokenAad(slot))
}

/** Opens one token sealed for this slot; anything altered, or sealed for another slot, throws. */
export function openToken(dataKey: Buffer, sealed: string, slot: TokenSlot): string {
  const plain = open(dataKey, sealed, tokenAad(slot))
  if (plain === undefined) {
    throw new VaultError('token_decrypt_failed', `the ${slotName(slot)} of ${slot.installation} does not open: altered, or moved from another installation or slot`, {
      installation: slot.installation,
      slot: slotName(slot),
    })
  }
  return plain.toString('utf8')
}

function tokenAad(slot: TokenSlot): Buffer {
  return Buffer.from(`slackgate/vault/token/v1\0${slot.installation}\0${slot.kind}\0${slot.field}\0${slot.context ?? ''}`, 'utf8')
}

function dataKeyAad(masterKeyIdValue: string): Buffer {
  return Buffer.from(`slackgate/vault/data-key/v1\0${masterKeyIdValue}`, 'utf8')
}

/**
 * Seals bytes under a key with AES-256-GCM, bound to `aad`: the format of every sealed value
 * (`v1.` + base64url of nonce ‖ tag ‖ ciphertext). For values other than installation tokens
 * (a custom step's token, say), each with an associated data of its own domain.
 */
export function seal(key: Buffer, plain: Buffer, aad: Buffer): string {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return VERSION + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')
}

/** The plaintext, or undefined when the value is malformed or fails its tag. */
export function open(key: Buffer, sealed: string, aad: Buffer): Buffer | undefined {
  if (!sealed.startsWith(VERSION)) return undefined
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url')
  if (raw.length < NONCE_BYTES + TAG_BYTES) return undefined
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
}

import { createHash, createHmac, type Hash } from 'node:crypto'

/**
 * Load-generator side only: signs `v0:<ts>:<prefix><suffix>` for many suffixes at the cost
 * of hashing the suffix. HMAC-SHA256 is H((K^opad) || H((K^ipad) || m)); the inner hash
 * state after `K^ipad || v0:<ts>:<prefix>` is computed once and copied per request. The
 * constructor checks itself against node:crypto's HMAC, and the servers verify every
 * request with their own code, so a mistake here shows up as non-2xx responses.
 */
export class PrefixSigner {
  readonly #inner: Hash
  readonly #outerKey: Buffer

  constructor(secret: string, timestamp: number, prefix: string) {
    let key = Buffer.from(secret)
    if (key.length > 64) key = createHash('sha256').update(key).digest()
    const block = Buffer.alloc(64)
    key.copy(block)
    const ipad = Buffer.from(block.map((b) => b ^ 0x36))
    this.#outerKey = Buffer.from(block.map((b) => b ^ 0x5c))
    this.#inner = createHash('sha256').update(ipad).update(`v0:${timestamp}:`).update(prefix)
    const probe = 'self-check'
    const expected = createHmac('sha256', secret).update(`v0:${timestamp}:${prefix}${probe}`).digest('hex')
    if (this.sign(probe) !== `v0=${expected}`) throw new Error('PrefixSigner disagrees with createHmac')
  }

  sign(suffix: string): string {
    const inner = this.#inner.copy().update(suffix).digest()
    return `v0=${createHash('sha256').update(this.#outerKey).update(inner).digest('hex')}`
  }
}

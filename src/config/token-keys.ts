import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'

/** The key type each token algorithm signs with. */
const KEY_TYPES: Readonly<Record<'EdDSA' | 'RS256', readonly string[]>> = { EdDSA: ['ed25519'], RS256: ['rsa'] }

/**
 * Why `text` cannot sign tokens of `algorithm`, or undefined if it can. It must be a private
 * key, PEM (PKCS#8) or a JWK. The answer never quotes the text: a key that fails to parse is
 * still a secret, and parser messages (JSON.parse's among them) echo their input.
 */
export function privateKeyProblem(text: string, algorithm: 'EdDSA' | 'RS256'): string | undefined {
  let key: KeyObject
  try {
    const trimmed = text.trim()
    key = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
      : createPrivateKey({ key: trimmed, format: 'pem' })
  } catch {
    return 'is not a private key: give a PEM PKCS#8 key, or a private JWK (one with d)'
  }
  const type = key.asymmetricKeyType ?? 'unknown'
  if (!KEY_TYPES[algorithm].includes(type)) return `is an ${type} key; tokens.algorithm ${algorithm} signs with ${KEY_TYPES[algorithm].join(' or ')}`
  return undefined
}

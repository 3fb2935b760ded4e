import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Console passwords, stored as scrypt hashes (OWASP Password Storage Cheat Sheet: scrypt with
 * N=2^17, r=8, p=1 at least). The encoding names its parameters so they can be raised later
 * without breaking the hashes already in a config:
 *
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<key, base64url>
 */

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly log2N: number
  readonly r: number
  readonly p: number
}

/** OWASP's minimum for scrypt; also what new hashes use. */
export const MIN_SCRYPT_PARAMS: ScryptParams = { log2N: 17, r: 8, p: 1 }

/**
 * The most memory (128 · N · r bytes) one hash may take: a config cannot make each sign-in
 * allocate gigabytes. The minimum takes 128 MiB.
 */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
const MAX_P = 16

export const MIN_PASSWORD_LENGTH = 12
/** Longer passwords are refused: their hashing cost is the attacker's to choose (OWASP Authentication Cheat Sheet). */
export const MAX_PASSWORD_LENGTH = 1024

const SALT_BYTES = 16
const KEY_BYTES = 32
const B64URL = '[A-Za-z0-9_-]'
// 16 and 32 bytes in unpadded base64url are exactly 22 and 43 characters.
const ENCODING = new RegExp(`^scrypt\\$([0-9]{1,2})\\$([0-9]{1,3})\\$([0-9]{1,3})\\$(${B64URL}{22})\\$(${B64URL}{43})$`)

/**
 * At most this many hashes run at once: each takes 128 MiB and a thread of libuv's pool
 * (4 threads by default, shared with file and DNS work), so a burst of sign-ins can neither
 * exhaust memory nor stall the gateway's own I/O. The others wait their turn.
 */
const MAX_CONCURRENT_HASHES = 2

export interface ParsedPasswordHash {
  readonly params: ScryptParams
  readonly salt: Buffer
  readonly key: Buffer
}

/**
 * Reads an encoded hash, or says what is wrong with it. The problem never quotes the hash: it
 * is as sensitive as a secret (it can be attacked offline).
 *
 * @example
 * const parsed = parsePasswordHash(config.users[0].passwordHash)
 * if (!parsed.ok) throw new Error(parsed.problem)
 */
export function parsePasswordHash(encoded: string): { ok: true; hash: ParsedPasswordHash } | { ok: false; problem: string } {
  const m = ENCODING.exec(encoded)
  if (m === null) return { ok: false, problem: 'is not a password hash from `slackgate admin hash-password` (scrypt$17$8$1$<salt>$<hash>)' }
  const [log2N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (log2N < MIN_SCRYPT_PARAMS.log2N || r < MIN_SCRYPT_PARAMS.r || p < MIN_SCRYPT_PARAMS.p) {
    return { ok: false, problem: 'uses scrypt parameters below N=2^17, r=8, p=1 (OWASP minimum): hash the password again with `slackgate admin hash-password`' }
  }
  if (128 * 2 ** log2N * r > MAX_SCRYPT_MEMORY || p > MAX_P) {
    return { ok: false, problem: 'uses scrypt parameters too costly to check on each sign-in (at most 256 MiB, p at most 16)' }
  }
  const salt = canonicalBase64url(m[4] as string)
  const key = canonicalBase64url(m[5] as string)
  if (salt === undefined || key === undefined) return { ok: false, problem: 'is not a password hash: its salt or key is not canonical base64url' }
  return { ok: true, hash: { params: { log2N, r, p }, salt, key } }
}

/**
 * Hashes a new password with a fresh 16-byte salt. Refuses one shorter than 12 or longer than
 * 1024 characters (NIST SP 800-63B, OWASP): a RangeError, whose message never quotes it.
 *
 * @example
 * const encoded = await hashPassword('correct horse battery staple')
 */
export async function hashPassword(password: string): Promise<string> {
  const params = MIN_SCRYPT_PARAMS
  const problem = passwordLengthProblem(password)
  if (problem !== undefined) throw new RangeError(problem)
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, params)
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Why a new password is refused, or undefined. Characters are counted as code points. */
export function passwordLengthProblem(password: string): string | undefined {
  if (tooLong(password)) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`
  if ([...normalize(password)].length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`
  return undefined
}

/**
 * Whether `password` matches `encoded`, compared in constant time. An unreadable hash or an
 * over-long password is false, after the same work as a real check.
 *
 * @example
 * if (!(await verifyPassword(given, user.passwordHash))) refuse('admin_login_failed')
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded)
  if (!parsed.ok) return dummyVerify(password)
  const refused = tooLong(password)
  const { params, salt, key } = parsed.hash
  const derived = await derive(refused ? '' : password, salt, params)
  return timingSafeEqual(derived, key) && !refused
}

/**
 * The work of one check against no hash, always false: the console runs it for a name no user
 * has, so that a sign-in takes as long for an unknown name as for a known one and its timing
 * does not tell which names exist (OWASP Authentication Cheat Sheet). Pass a configured hash
 * as `like` when users' hashes do not all use the minimum parameters, so the cost matches.
 *
 * @example
 * const ok = user === undefined ? await dummyVerify(password) : await verifyPassword(password, user.passwordHash)
 */
export async function dummyVerify(password: string, like?: string): Promise<false> {
  const parsed = like === undefined ? undefined : parsePasswordHash(like)
  const params = parsed?.ok === true ? parsed.hash.params : MIN_SCRYPT_PARAMS
  const derived = await derive(tooLong(password) ? '' : password, DUMMY_SALT, params)
  // Compared like a real key, so the two paths do the same work to the end.
  timingSafeEqual(derived, DUMMY_KEY)
  return false
}

const DUMMY_SALT = randomBytes(SALT_BYTES)
const DUMMY_KEY = randomBytes(KEY_BYTES)

// The same text typed on two keyboards can arrive in two Unicode forms (NIST SP 800-63B 5.1.1.2).
function normalize(password: string): string {
  return password.normalize('NFKC')
}

/** Over the limit in code points after normalizing; a text far over it is not normalized at all. */
function tooLong(password: string): boolean {
  return password.length > 4 * MAX_PASSWORD_LENGTH || [...normalize(password)].length > MAX_PASSWORD_LENGTH
}

function canonicalBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

let running = 0
const waiting: Array<() => void> = []

/** Runs scrypt on libuv's thread pool (never scryptSync: it would stop the event loop), at most MAX_CONCURRENT_HASHES at once. */
async function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve))
  else running++
  try {
    const N = 2 ** params.log2N
    // Node refuses above maxmem (32 MiB by default); scrypt needs 128 · N · r bytes, and a little more.
    const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r + 1024 * 1024 }
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(normalize(password), salt, KEY_BYTES, options, (err, key) => (err === null ? resolve(key) : reject(err)))
    })
  } finally {
    // Hand the slot to the next in line, or free it.
    const next = waiting.shift()
    if (next === undefined) running--
    else next()
  }
}

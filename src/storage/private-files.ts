import { chmodSync, closeSync, openSync, statSync } from 'node:fs'

/** Owner read and write only: the embedded database holds queued payloads and the audit log. */
export const PRIVATE_FILE_MODE = 0o600

/**
 * Creates `path` empty with mode 0600 unless it exists. SQLite creates a database 0644 (less
 * the umask) and gives its -wal and -shm the database file's mode, so a file created here
 * first keeps all three private, whatever directory they are in.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

/**
 * Takes group and other permissions away from `path`, if it exists and has any: a file an
 * older version created readable by others. A file of another owner is left as it is.
 */
export function tightenFile(path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'EPERM') throw err
  }
}

/** The permission bits of `dir` when its group or others may read or enter it; else undefined. */
export function exposedDirectoryMode(dir: string): number | undefined {
  let mode: number
  try {
    mode = statSync(dir).mode & 0o777
  } catch {
    return undefined
  }
  return (mode & 0o077) === 0 ? undefined : mode
}

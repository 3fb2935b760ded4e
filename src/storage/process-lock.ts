import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'

/** Another live process holds the lock. */
export class LockedError extends Error {
  override readonly name = 'LockedError'
}

export interface ProcessLock {
  release(): void
}

/**
 * Takes a pid lock file. The embedded queue requeues, at startup, every job a crashed
 * process left active: that is safe only when one process owns the database, which this
 * lock guarantees. A lock left by a dead process is taken over.
 */
export function acquireProcessLock(path: string): ProcessLock {
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return {
        release() {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path)
          } catch {
            // Already gone.
          }
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = Number(readFileSync(path, 'utf8').trim())
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new LockedError(`another slackgate process (pid ${holder}) is using ${path}`)
    }
    unlinkSync(path)
  }
  throw new LockedError(`cannot take the lock ${path}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'

let count = 0

// Every fsync and fdatasync JavaScript asks for, whoever imported them (the ESM named
// exports follow the patched module once synced). A native library's own syncs (lmdb) are
// not seen here.
for (const name of ['fsync', 'fdatasync', 'fsyncSync', 'fdatasyncSync'] as const) {
  const original = fs[name] as (...args: unknown[]) => unknown
  ;(fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    count++
    return original(...args)
  }
}
syncBuiltinESMExports()

/** fsyncs and fdatasyncs started so far in this process. */
export const syncCount = (): number => count

import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU seconds (user + system, all threads) process `pid` has used so far, from
 * /proc/PID/stat; 0 once the process is gone.
 *
 * @example
 * const before = processCpuSeconds(pid)
 */
export function processCpuSeconds(pid: number): number {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return 0
  }
  // Fields 14 and 15 (utime, stime, in clock ticks), counted after the parenthesised name.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * CPU seconds used so far by every live process whose command name is `comm` (such as
 * `postgres`: the postmaster, its helpers and every backend). A process that exits between
 * two readings takes its CPU time with it, so a difference of two readings undercounts by
 * whatever such processes used in between.
 *
 * @example
 * const before = commandCpuSeconds('postgres')
 */
export function commandCpuSeconds(comm: string): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let name: string
    try {
      name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
    } catch {
      continue
    }
    if (name === comm) total += processCpuSeconds(Number(entry))
  }
  return total
}

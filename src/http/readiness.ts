/** A dependency the gateway needs to serve; `check` rejects or times out when it cannot. */
export interface ReadinessCheck {
  readonly name: string
  check(signal: AbortSignal): Promise<void>
}

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, 'ok' | 'failed' | 'timeout'>>
}

/** Runs every check concurrently, each bounded by `timeoutMs`; ready only if all pass. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)))
  const report: Record<string, 'ok' | 'failed' | 'timeout'> = {}
  checks.forEach((c, i) => (report[c.name] = results[i] as 'ok' | 'failed' | 'timeout'))
  return { ready: results.every((r) => r === 'ok'), checks: report }
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<'ok' | 'failed' | 'timeout'> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort()
      resolve('timeout')
    }, timeoutMs)
  })
  try {
    return await Promise.race([check.check(controller.signal).then(() => 'ok' as const), timeout])
  } catch {
    return 'failed'
  } finally {
    clearTimeout(timer)
  }
}

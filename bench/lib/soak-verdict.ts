import { mean } from './stats.js'

/** How one series behaved over the second half of a soak run. */
export interface SeriesCheck {
  readonly series: string
  readonly mean: number
  readonly min: number
  readonly max: number
  /** Highest samples of the run's 3rd and 4th quarters. */
  readonly q3Peak: number
  readonly q4Peak: number
  /** The series' known bound, where it has one. */
  readonly ceiling?: number
  /**
   * Every sample of the second half lies within ±tolerance of its mean, or, for a series
   * with a ceiling, at most (1 + tolerance / 2) × that ceiling.
   */
  readonly withinBand: boolean
  /**
   * The 4th quarter's peak is at most (1 + tolerance / 2) × the 3rd's; always true for a
   * series with a ceiling, which cannot grow past it. Peaks, not means: a series that
   * saw-tooths with a periodic purge, sampled at half its period, puts more troughs in one
   * quarter than in the next.
   */
  readonly noUpwardTrend: boolean
  readonly flat: boolean
}

/** A soak run's verdict: each series checked, and whether they all held. */
export interface SoakVerdict {
  readonly tolerance: number
  readonly checks: readonly SeriesCheck[]
  /** The backlog's 4th-quarter mean is at most (1 + tolerance) × its 3rd-quarter mean, or under BACKLOG_FLOOR. */
  readonly backlogBounded: boolean
  /** Too few samples in a quarter to judge: at least two are needed in each. */
  readonly enoughSamples: boolean
  readonly flat: boolean
}

/** A backlog this small is bounded whatever its trend: one delivery slot's worth of jitter. */
export const BACKLOG_FLOOR = 100

/**
 * Judges the series of a soak run, each sample taken `t` seconds into a run of `seconds`:
 * over the second half, each series must stay within ±tolerance of its mean (or under its
 * ceiling, where `ceilings` gives one) and not trend up (3rd quarter against 4th), and the
 * backlog must stay bounded.
 *
 * @example
 * const verdict = soakVerdict(samples.map((s) => ({ t: s.t, rss: s.rssMb, backlog: s.backlog })), ['rss'], 600, 0.25)
 * verdict.flat // true when rss held
 */
export function soakVerdict<K extends string>(
  samples: ReadonlyArray<Readonly<Record<K | 't' | 'backlog', number>>>,
  series: readonly K[],
  seconds: number,
  tolerance: number,
  ceilings: Partial<Readonly<Record<K, number>>> = {},
): SoakVerdict {
  const q3 = samples.filter((s) => s.t > seconds / 2 && s.t <= (seconds * 3) / 4)
  const q4 = samples.filter((s) => s.t > (seconds * 3) / 4)
  const half = [...q3, ...q4]
  const enoughSamples = q3.length >= 2 && q4.length >= 2
  const checks = series.map((name): SeriesCheck => {
    const values = half.map((s) => s[name])
    const m = mean(values)
    const ceiling = ceilings[name]
    const withinBand =
      ceiling === undefined ? values.every((v) => Math.abs(v - m) <= tolerance * m) : values.every((v) => v <= ceiling * (1 + tolerance / 2))
    const [p3, p4] = [Math.max(...q3.map((s) => s[name])), Math.max(...q4.map((s) => s[name]))]
    const noUpwardTrend = ceiling !== undefined || p4 <= p3 * (1 + tolerance / 2)
    return {
      series: name,
      mean: m,
      min: Math.min(...values),
      max: Math.max(...values),
      q3Peak: p3,
      q4Peak: p4,
      ...(ceiling !== undefined && { ceiling }),
      withinBand,
      noUpwardTrend,
      flat: withinBand && noUpwardTrend,
    }
  })
  const [b3, b4] = [mean(q3.map((s) => s.backlog)), mean(q4.map((s) => s.backlog))]
  const backlogBounded = b4 < BACKLOG_FLOOR || b4 <= b3 * (1 + tolerance)
  return { tolerance, checks, backlogBounded, enoughSamples, flat: enoughSamples && backlogBounded && checks.every((c) => c.flat) }
}

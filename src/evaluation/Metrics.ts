/**
 * RouteLLM's routing metrics: the curve of strong-model calls against benchmark score, the
 * percentage of strong calls needed for a given quality (CPT), the area under the curve (AUC) and
 * the average performance gap recovered (APGR).
 *
 * Two curves are offered: {@link routellmCurve} reproduces `routellm/evals` (thresholds at the 11
 * quantile edges of 10 bins of the router's scores), and {@link exactCurve} uses every distinct
 * threshold. All functions are pure.
 *
 * @since 0.1.0
 */

/**
 * One operating point of a router: the fraction of prompts sent to the strong model and the
 * resulting mean benchmark score.
 *
 * @since 0.1.0
 */
export interface CurvePoint {
  /** Threshold on the win rate that produced this point (`NaN` for synthetic points). */
  readonly threshold: number
  /** Fraction of prompts routed to the strong model, in [0, 1]. */
  readonly strongFraction: number
  /** Mean score over all prompts when routing this way. */
  readonly score: number
}

/**
 * Summary of a curve.
 *
 * @since 0.1.0
 */
export interface CurveMetrics {
  /** Strong-call fraction needed to recover 20 %, 50 %, 80 % of the weak→strong gap. */
  readonly cpt20: number
  readonly cpt50: number
  readonly cpt80: number
  /** Area under the curve over the strong-call fraction (as `np.trapz`). */
  readonly auc: number
  /** (AUC − weak area) / (strong area − weak area). */
  readonly apgr: number
}

/**
 * One prompt as the metrics see it: the router's win rate and both models' scores.
 *
 * @since 0.1.0
 */
export interface ScoredPrompt {
  readonly winRate: number
  readonly strongScore: number
  readonly weakScore: number
}

/**
 * Quantile with linear interpolation between order statistics (numpy/pandas default).
 *
 * @since 0.1.0
 */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const position = (sorted.length - 1) * q
  const lower = Math.floor(position)
  const upper = Math.min(lower + 1, sorted.length - 1)
  const low = sorted[lower] ?? Number.NaN
  const high = sorted[upper] ?? Number.NaN
  return low + (high - low) * (position - lower)
}

const mean = (values: ReadonlyArray<number>): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length

/**
 * Mean score of each model alone: `{ strong, weak }`.
 *
 * @since 0.1.0
 */
export const modelMeans = (
  prompts: ReadonlyArray<ScoredPrompt>
): { readonly strong: number; readonly weak: number } => ({
  strong: mean(prompts.map((prompt) => prompt.strongScore)),
  weak: mean(prompts.map((prompt) => prompt.weakScore))
})

const pointAt = (prompts: ReadonlyArray<ScoredPrompt>, threshold: number, strict: boolean): CurvePoint => {
  let strong = 0
  let total = 0
  for (const prompt of prompts) {
    const toStrong = strict ? prompt.winRate > threshold : prompt.winRate >= threshold
    if (toStrong) strong++
    total += toStrong ? prompt.strongScore : prompt.weakScore
  }
  return { threshold, strongFraction: strong / prompts.length, score: total / prompts.length }
}

/**
 * The curve exactly as RouteLLM's `benchmarks.py` computes it: thresholds are the `bins + 1` edges
 * of `pd.qcut(winRates, bins)`; a prompt goes to the strong model when its win rate is ≥ the
 * threshold, except at the last edge where it must be strictly greater (so that point is 0 %).
 * Points are sorted by strong-call fraction (stable).
 *
 * @since 0.1.0
 */
export const routellmCurve = (prompts: ReadonlyArray<ScoredPrompt>, bins = 10): ReadonlyArray<CurvePoint> => {
  if (prompts.length === 0) return []
  const sorted = prompts.map((prompt) => prompt.winRate).sort((a, b) => a - b)
  const points: Array<CurvePoint> = []
  for (let edge = 0; edge <= bins; edge++) {
    points.push(pointAt(prompts, quantile(sorted, edge / bins), edge === bins))
  }
  return points
    .map((point, index) => ({ point, index }))
    .sort((a, b) => a.point.strongFraction - b.point.strongFraction || a.index - b.index)
    .map(({ point }) => point)
}

/**
 * The exact curve: one point per achievable strong-call count. Prompts are ranked by win rate;
 * prompts with equal win rates cannot be separated by a threshold, so they move together. Starts
 * at 0 % and ends at 100 % strong calls.
 *
 * @since 0.1.0
 */
export const exactCurve = (prompts: ReadonlyArray<ScoredPrompt>): ReadonlyArray<CurvePoint> => {
  if (prompts.length === 0) return []
  const ranked = [...prompts].sort((a, b) => b.winRate - a.winRate)
  const n = ranked.length
  let total = ranked.reduce((sum, prompt) => sum + prompt.weakScore, 0)
  const points: Array<CurvePoint> = [
    { threshold: Number.POSITIVE_INFINITY, strongFraction: 0, score: total / n }
  ]
  for (let index = 0; index < n; index++) {
    const prompt = ranked[index]!
    total += prompt.strongScore - prompt.weakScore
    const next = ranked[index + 1]
    if (next === undefined || next.winRate !== prompt.winRate) {
      points.push({ threshold: prompt.winRate, strongFraction: (index + 1) / n, score: total / n })
    }
  }
  return points
}

/**
 * The best achievable curve (an oracle that knows which prompts gain most from the strong model).
 *
 * @since 0.1.0
 */
export const oracleCurve = (prompts: ReadonlyArray<ScoredPrompt>): ReadonlyArray<CurvePoint> =>
  exactCurve(prompts.map((prompt) => ({ ...prompt, winRate: prompt.strongScore - prompt.weakScore })))

/**
 * Trapezoidal integral of `y` over `x`, as `np.trapz(y, x)`.
 *
 * @since 0.1.0
 */
export const trapezoid = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): number => {
  let area = 0
  for (let index = 1; index < x.length; index++) {
    area += ((x[index]! - x[index - 1]!) * (y[index]! + y[index - 1]!)) / 2
  }
  return area
}

/**
 * `np.interp(x, xp, fp)`: piecewise-linear interpolation, clamped at both ends. Like numpy, it
 * assumes `xp` increasing (binary search), so on a non-monotone `xp` it returns what numpy returns
 * for monotone stretches.
 *
 * @since 0.1.0
 */
export const interpolate = (x: number, xp: ReadonlyArray<number>, fp: ReadonlyArray<number>): number => {
  const last = xp.length - 1
  if (last < 0) return Number.NaN
  if (x <= xp[0]!) return fp[0]!
  if (x >= xp[last]!) return fp[last]!
  let low = 0
  let high = last
  while (high - low > 1) {
    const middle = (low + high) >> 1
    if (xp[middle]! <= x) low = middle
    else high = middle
  }
  const x0 = xp[low]!
  const x1 = xp[high]!
  const slope = x1 === x0 ? 0 : (fp[high]! - fp[low]!) / (x1 - x0)
  return fp[low]! + slope * (x - x0)
}

/**
 * Strong-call fraction at which the curve first reaches `target` (walking from 0 % strong calls,
 * interpolating linearly within the segment that crosses it). 1 if it never does.
 *
 * @since 0.1.0
 */
export const firstCrossing = (curve: ReadonlyArray<CurvePoint>, target: number): number => {
  const first = curve[0]
  if (first === undefined) return Number.NaN
  if (first.score >= target) return first.strongFraction
  for (let index = 1; index < curve.length; index++) {
    const previous = curve[index - 1]!
    const current = curve[index]!
    if (current.score >= target) {
      const span = current.score - previous.score
      const t = span === 0 ? 1 : (target - previous.score) / span
      return previous.strongFraction + t * (current.strongFraction - previous.strongFraction)
    }
  }
  return 1
}

/**
 * CPT, AUC and APGR of a curve given the weak and strong models' mean scores.
 *
 * `cpt: "numpy"` reproduces RouteLLM's `np.interp(target, scores, strongPercentages)`;
 * `cpt: "first-crossing"` (default) walks the curve, which is the meaningful reading when the curve
 * is not monotone.
 *
 * @since 0.1.0
 */
export const curveMetrics = (
  curve: ReadonlyArray<CurvePoint>,
  weak: number,
  strong: number,
  options: { readonly cpt?: "numpy" | "first-crossing" } = {}
): CurveMetrics => {
  const x = curve.map((point) => point.strongFraction)
  const y = curve.map((point) => point.score)
  const auc = trapezoid(x, y)
  const width = x.length === 0 ? 0 : x[x.length - 1]! - x[0]!
  const weakArea = weak * width
  const strongArea = strong * width
  const cptAt = (fraction: number) => {
    const target = weak + fraction * (strong - weak)
    return options.cpt === "numpy" ? interpolate(target, y, x) : firstCrossing(curve, target)
  }
  return {
    cpt20: cptAt(0.2),
    cpt50: cptAt(0.5),
    cpt80: cptAt(0.8),
    auc,
    apgr: (auc - weakArea) / (strongArea - weakArea)
  }
}

/**
 * Everything about one router on one benchmark: both curves and their metrics.
 *
 * @since 0.1.0
 */
export interface RoutingEvaluation {
  readonly weakScore: number
  readonly strongScore: number
  readonly routellm: { readonly curve: ReadonlyArray<CurvePoint>; readonly metrics: CurveMetrics }
  readonly exact: { readonly curve: ReadonlyArray<CurvePoint>; readonly metrics: CurveMetrics }
}

/**
 * Evaluates win rates against per-prompt scores with both curves (RouteLLM's CPT convention on its
 * curve, first crossing on the exact one).
 *
 * @since 0.1.0
 */
export const evaluateRouting = (prompts: ReadonlyArray<ScoredPrompt>, bins = 10): RoutingEvaluation => {
  const { strong, weak } = modelMeans(prompts)
  const routellm = routellmCurve(prompts, bins)
  const exact = exactCurve(prompts)
  return {
    weakScore: weak,
    strongScore: strong,
    routellm: { curve: routellm, metrics: curveMetrics(routellm, weak, strong, { cpt: "numpy" }) },
    exact: { curve: exact, metrics: curveMetrics(exact, weak, strong) }
  }
}

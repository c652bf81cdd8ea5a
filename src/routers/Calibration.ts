/**
 * Thresholds for win-rate routers: the offline threshold that sends a target fraction of a prompt
 * sample to the strong model, and an online controller that keeps adjusting the threshold so live
 * traffic holds a target strong fraction or spend rate (calibrated thresholds drift with traffic).
 *
 * @since 0.1.0
 */
import { Effect, Ref } from "effect"

/**
 * The threshold `t` such that routing `winRate >= t` to the strong model sends (as close as ties
 * allow to) `strongFraction` of `winRates` to it: the (1 − fraction) quantile of the sample.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { Calibration } = Routers
 *
 * Calibration.thresholdForStrongFraction([0.1, 0.4, 0.6, 0.9], 0.5) // 0.6: two of four go strong
 *
 * @since 0.1.0
 */
export const thresholdForStrongFraction = (
  winRates: ReadonlyArray<number>,
  strongFraction: number
): number => {
  if (winRates.length === 0) return 0.5
  const sorted = [...winRates].sort((a, b) => b - a)
  const count = Math.round(Math.min(1, Math.max(0, strongFraction)) * sorted.length)
  // Nothing may go strong: a threshold just above the largest win rate.
  if (count <= 0) return sorted[0]! + Math.max(Math.abs(sorted[0]!) * Number.EPSILON, Number.MIN_VALUE) * 4
  return sorted[count - 1]!
}

/**
 * Fraction of win rates at or above a threshold.
 *
 * @since 0.1.0
 */
export const strongFractionAt = (winRates: ReadonlyArray<number>, threshold: number): number =>
  winRates.length === 0 ? 0 : winRates.filter((rate) => rate >= threshold).length / winRates.length

/**
 * Settings of the online controller.
 *
 * @since 0.1.0
 */
export interface ControllerOptions {
  /** Target: fraction of requests to the strong model, or a spend rate in cost units per request. */
  readonly target:
    | { readonly strongFraction: number }
    | { readonly costPerRequest: number; readonly strongCost: number; readonly weakCost: number }
  /** Starting threshold. Default 0.5. */
  readonly initialThreshold?: number
  /** Step size of the stochastic-approximation update. Default 0.02. */
  readonly gain?: number
}

/**
 * The state a controller reports.
 *
 * @since 0.1.0
 */
export interface ControllerState {
  readonly threshold: number
  readonly decisions: number
  readonly strongDecisions: number
}

/**
 * An online threshold controller.
 *
 * @since 0.1.0
 */
export interface ThresholdController {
  /** Decides one request: true = strong model. Updates the threshold towards the target. */
  readonly decide: (winRate: number) => Effect.Effect<boolean>
  /**
   * Records a decision made elsewhere against the current threshold (true = the strong side served
   * the request) and moves the threshold as {@link decide} would.
   */
  readonly record: (strong: boolean) => Effect.Effect<void>
  /** As {@link decide}, also giving the threshold the decision was made against. */
  readonly decideWithThreshold: (
    winRate: number
  ) => Effect.Effect<{ readonly strong: boolean; readonly threshold: number }>
  readonly state: Effect.Effect<ControllerState>
}

/**
 * Builds a controller that holds a target strong fraction (or the strong fraction implied by a
 * spend rate: `(budget − weakCost) / (strongCost − weakCost)`) by stochastic approximation: after each
 * decision the threshold moves up by `gain · (1 − target)` if the request went strong and down by
 * `gain · target` if not, so it settles where the long-run strong fraction equals the target.
 *
 * @example
 * import { Effect } from "effect"
 * import { Routers } from "effect-llm-router"
 * const { Calibration } = Routers
 *
 * const program = Effect.gen(function* () {
 *   const controller = yield* Calibration.makeController({ target: { strongFraction: 0.3 } })
 *   const useStrong = yield* controller.decide(0.72)
 * })
 *
 * @since 0.1.0
 */
export const makeController = (options: ControllerOptions): Effect.Effect<ThresholdController> =>
  Effect.gen(function* () {
    const target =
      "strongFraction" in options.target
        ? options.target.strongFraction
        : (options.target.costPerRequest - options.target.weakCost) /
          (options.target.strongCost - options.target.weakCost)
    const fraction = Math.min(1, Math.max(0, target))
    const gain = options.gain ?? 0.02
    const ref = yield* Ref.make<ControllerState>({
      threshold: options.initialThreshold ?? 0.5,
      decisions: 0,
      strongDecisions: 0
    })
    const after = (state: ControllerState, strong: boolean): ControllerState => ({
      threshold: strong ? state.threshold + gain * (1 - fraction) : state.threshold - gain * fraction,
      decisions: state.decisions + 1,
      strongDecisions: state.strongDecisions + (strong ? 1 : 0)
    })
    const decideWithThreshold = (winRate: number) =>
      Ref.modify(ref, (state) => {
        const strong = winRate >= state.threshold
        return [{ strong, threshold: state.threshold }, after(state, strong)]
      })
    return {
      decide: (winRate: number) => Effect.map(decideWithThreshold(winRate), ({ strong }) => strong),
      record: (strong: boolean) => Ref.update(ref, (state) => after(state, strong)),
      decideWithThreshold,
      state: Ref.get(ref)
    }
  })

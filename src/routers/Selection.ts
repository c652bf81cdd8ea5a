/**
 * N-way model selection from a quality router: pick the model maximising
 * `predicted quality − λ · expected cost`. λ = 0 picks the best model; a large λ the cheapest.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { RouterError } from "./WinRateRouter.ts"
import type { QualityRouter } from "./WinRateRouter.ts"

/**
 * One candidate's numbers in a selection.
 *
 * @since 0.1.0
 */
export interface Candidate {
  readonly model: string
  readonly quality: number
  readonly cost: number
  readonly utility: number
}

/**
 * The outcome of a selection: the chosen model and every candidate, best first.
 *
 * @since 0.1.0
 */
export interface Selection {
  readonly model: string
  readonly candidates: ReadonlyArray<Candidate>
}

/**
 * Selects among models given predicted quality and expected cost per model (pure). Models without a
 * cost are skipped; ties keep the earlier model of `qualities`.
 *
 * @since 0.1.0
 */
export const select = (
  qualities: Readonly<Record<string, number>>,
  costs: Readonly<Record<string, number>>,
  lambda: number
): Selection | undefined => {
  const candidates = Object.entries(qualities)
    .filter(([model]) => costs[model] !== undefined)
    .map(([model, quality]) => ({
      model,
      quality,
      cost: costs[model]!,
      utility: quality - lambda * costs[model]!
    }))
  const ranked = candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort((a, b) => b.candidate.utility - a.candidate.utility || a.index - b.index)
  const best = ranked[0]
  return best === undefined
    ? undefined
    : { model: best.candidate.model, candidates: ranked.map(({ candidate }) => candidate) }
}

/**
 * Runs a quality router on a prompt and selects among the models that have a cost.
 *
 * @example
 * import { Effect } from "effect"
 * import { Routers } from "effect-llm-router"
 * const { Selection } = Routers
 *
 * const choice = Selection.selectModel(router, "Explain monads", { "gpt-4-1106-preview": 10, "claude-instant-1": 0.8 }, 0.1)
 *
 * @since 0.1.0
 */
export const selectModel = Effect.fn("Selection.selectModel")(function* (
  router: QualityRouter,
  prompt: string,
  costs: Readonly<Record<string, number>>,
  lambda: number
) {
  const qualities = yield* router.predict(prompt)
  const selection = select(qualities, costs, lambda)
  if (selection === undefined) {
    return yield* new RouterError({
      router: router.name,
      reason: "InvalidInput",
      message: `none of the priced models (${Object.keys(costs).join(", ")}) is known to router ${router.name}`
    })
  }
  return selection
})

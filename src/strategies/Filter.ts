/**
 * The shape shared by the filtering strategies (`contextWindow`, `tags`, `capabilities`, `budget`):
 * each candidate is kept or removed with a reason, order is preserved.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { RoutingContext } from "../core/RoutingContext.ts"
import * as Format from "./Format.ts"
import type { Candidate, Removal, Strategy, StrategyOutcome } from "./Strategy.ts"

/**
 * Why a candidate is out, or `undefined` to keep it.
 *
 * @since 0.1.0
 */
export type Verdict = string | undefined

/**
 * Builds a strategy that keeps the candidates `check` finds no fault with, in their order.
 * `describe` gives the part of the summary that says what was required.
 *
 * @example
 * import { Effect } from "effect"
 * import { Strategies } from "effect-llm-router"
 *
 * const noFake = Strategies.filterStrategy("noFake", (c) =>
 *   Effect.succeed(c.deployment.provider === "fake" ? "fake provider" : undefined)
 * )
 *
 * @since 0.1.0
 */
export const filterStrategy = <R>(
  name: string,
  check: (candidate: Candidate, context: RoutingContext) => Effect.Effect<Verdict, never, R>,
  describe: (context: RoutingContext) => string = () => ""
): Strategy<R> => ({
  name,
  apply: (candidates, context) =>
    Effect.map(
      Effect.forEach(candidates, (candidate) => check(candidate, context)),
      (verdicts): StrategyOutcome => {
        const kept: Array<Candidate> = []
        const removed: Array<Removal> = []
        candidates.forEach((candidate, index) => {
          const reason = verdicts[index]
          if (reason === undefined) kept.push(candidate)
          else removed.push({ deployment: candidate.deployment.id, reason })
        })
        const requirement = describe(context)
        const removedText = removed.map((removal) => `${removal.deployment} (${removal.reason})`)
        return {
          candidates: kept,
          removed,
          summary:
            `${name}: ${requirement === "" ? "" : `${requirement}; `}kept ${kept.length} of ${candidates.length}` +
            (removed.length === 0 ? "" : `; removed ${Format.list(removedText)}`)
        }
      }
    )
})

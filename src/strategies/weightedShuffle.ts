/**
 * `weightedShuffle`: a random order in which each deployment's chance of coming first is its share
 * of the total weight (weighted sampling without replacement, Efraimidis–Spirakis keys). Randomness
 * comes from Effect's `Random`, so a seeded `Random` gives a reproducible order.
 *
 * @since 0.1.0
 */
import { Effect, Random } from "effect"
import type { Deployment } from "../core/Deployment.ts"
import * as Format from "./Format.ts"
import type { Candidate, Strategy } from "./Strategy.ts"
import { scored } from "./Strategy.ts"

/**
 * What to weigh deployments by. `auto` takes `weight` if any deployment sets one, else `rpm`, else
 * `tpm`, else equal weights.
 *
 * @since 0.1.0
 */
export type WeightSource = "weight" | "rpm" | "tpm" | "auto"

/** @since 0.1.0 */
export interface WeightedShuffleOptions {
  /** Default `auto`. */
  readonly by?: WeightSource
}

/**
 * The weight source `auto` picks for a set of deployments.
 *
 * @since 0.1.0
 */
export const resolveWeightSource = (
  source: WeightSource,
  deployments: ReadonlyArray<Deployment>
): Exclude<WeightSource, "auto"> => {
  if (source !== "auto") return source
  if (deployments.some((d) => d.weight !== undefined)) return "weight"
  if (deployments.some((d) => d.rpm !== undefined)) return "rpm"
  if (deployments.some((d) => d.tpm !== undefined)) return "tpm"
  return "weight"
}

/**
 * A deployment's weight under a source: `weight` defaults to 1, a missing `rpm`/`tpm` counts as 0.
 *
 * @since 0.1.0
 */
export const weightOf = (deployment: Deployment, source: Exclude<WeightSource, "auto">): number =>
  source === "weight"
    ? (deployment.weight ?? 1)
    : source === "rpm"
      ? (deployment.rpm ?? 0)
      : (deployment.tpm ?? 0)

/**
 * Shuffles candidates so that each comes first with probability proportional to its weight (then
 * the next among the rest, and so on). Deployments of weight 0 are never removed: they go last, in
 * their input order, as fallbacks.
 *
 * @example
 * import { Effect, Random } from "effect"
 * import { Route, Strategies } from "effect-llm-router"
 *
 * // azure (weight 3) first about 75% of the time, openai (weight 1) about 25%.
 * const route = Route.loadBalance(Strategies.weightedShuffle(), [azure, openai])
 * // In tests: Router.plan(route, request).pipe(Effect.withRandom(Random.make(42)))
 *
 * @since 0.1.0
 */
export const weightedShuffle = (options: WeightedShuffleOptions = {}): Strategy => ({
  name: "weighted",
  apply: (candidates, _context) =>
    Effect.gen(function* () {
      const source = resolveWeightSource(
        options.by ?? "auto",
        candidates.map((c) => c.deployment)
      )
      const weights = candidates.map((c) => weightOf(c.deployment, source))
      const total = weights.reduce((a, b) => a + b, 0)
      const keyed: Array<{ readonly candidate: Candidate; readonly key: number; readonly weight: number }> =
        []
      for (const [index, candidate] of candidates.entries()) {
        const weight = weights[index] ?? 0
        // Efraimidis–Spirakis: key = u^(1/w), compared in log space; u in (0, 1] so log u <= 0.
        const u = 1 - (yield* Random.next)
        const key = weight > 0 ? Math.log(u) / weight : Number.NEGATIVE_INFINITY
        const share = total > 0 ? weight / total : 0
        keyed.push({
          candidate: scored(
            candidate,
            "weighted",
            share,
            `weighted: ${source} ${Format.score(weight)} (${Format.percent(share)} share)`
          ),
          key,
          weight
        })
      }
      const ordered = [...keyed].sort((a, b) => (a.key === b.key ? 0 : b.key > a.key ? 1 : -1))
      const zero = ordered.filter((entry) => entry.weight <= 0)
      return {
        candidates: ordered.map((entry) => entry.candidate),
        removed: [],
        summary:
          `weighted by ${source}: order ${Format.list(ordered.map((entry) => entry.candidate.deployment.id))}; shares ${Format.list(
            keyed.map(
              (entry) =>
                `${entry.candidate.deployment.id} ${Format.percent(total > 0 ? entry.weight / total : 0)}`
            )
          )}` +
          (zero.length === 0
            ? ""
            : `; weight 0, last: ${zero.map((e) => e.candidate.deployment.id).join(", ")}`)
      }
    })
})

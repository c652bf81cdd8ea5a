/**
 * The random router: a uniformly random win rate per prompt, RouteLLM's baseline (APGR ≈ 0.5).
 * Deterministic for a seed: the win rate is a hash of the prompt and the seed, so the same prompt
 * always gets the same answer and a benchmark can average several seeds.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { fnv1a } from "../embeddings/HashingEmbedder.ts"
import * as SeededRandom from "./SeededRandom.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Builds a random router for a seed.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { RandomRouter } = Routers
 *
 * const router = RandomRouter.make({ seed: 3 })
 *
 * @since 0.1.0
 */
export const make = (options: { readonly seed?: number } = {}): WinRateRouter => {
  const seed = options.seed ?? 0
  return {
    name: "random",
    winRate: (prompt: string) => Effect.sync(() => SeededRandom.make(fnv1a(prompt, seed)).next())
  }
}

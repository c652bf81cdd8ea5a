/**
 * A heuristic win-rate router: longer prompts are more likely to need the strong model. The win rate
 * is a logistic function of log token count (`o200k`-like estimate: words and punctuation), centred
 * at `midpointTokens`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { tokenize } from "../embeddings/HashingEmbedder.ts"
import { sigmoid } from "./RouterSupport.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Approximate token count of a text (words, numbers and punctuation marks).
 *
 * @since 0.1.0
 */
export const countTokens = (text: string): number => tokenize(text).length

/**
 * Builds the token-count router.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { TokenCountWinRate } = Routers
 *
 * const router = TokenCountWinRate.make({ midpointTokens: 200 })
 *
 * @since 0.1.0
 */
export const make = (
  options: { readonly midpointTokens?: number; readonly steepness?: number } = {}
): WinRateRouter => {
  const midpoint = Math.log1p(options.midpointTokens ?? 150)
  const steepness = options.steepness ?? 2
  return {
    name: "token-count",
    winRate: (prompt: string) =>
      Effect.sync(() => sigmoid(steepness * (Math.log1p(countTokens(prompt)) - midpoint)))
  }
}

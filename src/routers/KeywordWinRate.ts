/**
 * A heuristic win-rate router: keywords that signal hard requests (proofs, code, multi-step
 * reasoning, analysis) raise the win rate, keywords of easy chit-chat lower it.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { tokenize } from "../embeddings/HashingEmbedder.ts"
import { sigmoid } from "./RouterSupport.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Default keyword weights (lower-case single words): positive = needs the strong model.
 *
 * @since 0.1.0
 */
export const defaultKeywords: Readonly<Record<string, number>> = {
  prove: 1.2,
  proof: 1.2,
  theorem: 1,
  derive: 1,
  integral: 1,
  equation: 0.8,
  algorithm: 0.8,
  complexity: 0.8,
  implement: 0.8,
  code: 0.6,
  function: 0.5,
  debug: 0.8,
  python: 0.6,
  sql: 0.6,
  regex: 0.8,
  optimize: 0.6,
  analyze: 0.6,
  analyse: 0.6,
  compare: 0.4,
  explain: 0.3,
  why: 0.3,
  calculate: 0.6,
  probability: 0.8,
  step: 0.4,
  reasoning: 0.6,
  riddle: 0.8,
  puzzle: 0.8,
  legal: 0.5,
  diagnosis: 0.6,
  hi: -1,
  hello: -1,
  thanks: -1,
  thank: -1,
  joke: -0.6,
  poem: -0.3,
  haiku: -0.5,
  translate: -0.3,
  summarize: -0.2,
  synonym: -0.6
}

/**
 * Builds the keyword router. The win rate is `sigmoid(bias + Σ weight of each distinct keyword)`.
 *
 * @example
 * import { Routers } from "effect-llm-router"
 * const { KeywordWinRate } = Routers
 *
 * const router = KeywordWinRate.make({ keywords: { prove: 2, hello: -1 } })
 *
 * @since 0.1.0
 */
export const make = (
  options: { readonly keywords?: Readonly<Record<string, number>>; readonly bias?: number } = {}
): WinRateRouter => {
  // A Map, not the record itself: a prompt's words must not reach Object.prototype
  // (`keywords["constructor"]` is a function, and the sum would become NaN).
  const keywords = new Map(Object.entries(options.keywords ?? defaultKeywords))
  const bias = options.bias ?? 0
  return {
    name: "keyword",
    winRate: (prompt: string) =>
      Effect.sync(() => {
        let sum = bias
        for (const word of new Set(tokenize(prompt))) sum += keywords.get(word) ?? 0
        return sigmoid(sum)
      })
  }
}

/**
 * The contracts of quality routers, as the routing graph sees them.
 *
 * A win-rate router answers RouteLLM's question for one prompt: how likely is the strong model to
 * beat the weak one? A quality router predicts a score per model, for N-way selection. Both are
 * plain values whose methods need no services: whatever they depend on (an embedder, weights) is
 * resolved when the router is built.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { Effect } from "effect"

/**
 * A router could not score a prompt (its embedder failed, its weights are unusable, ...).
 *
 * @since 0.1.0
 */
export class RouterError extends Data.TaggedError("RouterError")<{
  readonly router: string
  readonly reason: "EmbeddingFailed" | "InvalidWeights" | "InvalidInput" | "InvalidOutput" | "Unavailable"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Maps a prompt to P(strong model beats weak model), a number in [0, 1].
 *
 * @since 0.1.0
 */
export interface WinRateRouter {
  /** Name as used in configs, traces and RouteLLM-style model names (`router-<name>-<threshold>`). */
  readonly name: string
  readonly winRate: (prompt: string) => Effect.Effect<number, RouterError>
}

/**
 * Maps a prompt to a predicted quality score per model (higher is better), for N-way selection.
 *
 * @since 0.1.0
 */
export interface QualityRouter {
  readonly name: string
  /** The model names this router can score. */
  readonly models: ReadonlyArray<string>
  readonly predict: (prompt: string) => Effect.Effect<Readonly<Record<string, number>>, RouterError>
}

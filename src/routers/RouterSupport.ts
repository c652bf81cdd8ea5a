/**
 * Small pieces shared by the embedding-based routers: embedding a prompt with errors mapped to
 * `RouterError`, building a router over an embedder, the logistic function, and cosine similarity.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import { RouterError } from "./WinRateRouter.ts"
import type { WinRateRouter } from "./WinRateRouter.ts"

/**
 * Embeds a prompt, turning an `EmbeddingError` into a `RouterError` (`EmbeddingFailed`) of `router`.
 *
 * @since 0.1.0
 */
export const embedPrompt = (
  router: string,
  embedder: EmbedderShape,
  prompt: string
): Effect.Effect<Float32Array, RouterError> =>
  Effect.mapError(
    embedder.embed(prompt),
    (cause) =>
      new RouterError({
        router,
        reason: "EmbeddingFailed",
        message: `${router}: embedder ${embedder.name} failed: ${cause.message}`,
        cause
      })
  )

/**
 * A router that compares a model with itself would give 0.5 whatever the prompt, a win rate that
 * means nothing: this is the error for it, or `undefined` when the two models differ.
 *
 * @since 0.1.0
 */
export const samePairError = (
  router: string,
  strongModel: string,
  weakModel: string
): RouterError | undefined =>
  strongModel === weakModel
    ? new RouterError({
        router,
        reason: "InvalidInput",
        message: `the strong and the weak model are both "${strongModel}"; the router compares two different models`
      })
    : undefined

/**
 * The logistic function, numerically stable for large |x|.
 *
 * @since 0.1.0
 */
export const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))

/**
 * Cosine similarity (0 when either vector is zero).
 *
 * @since 0.1.0
 */
export const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let dot = 0
  let na = 0
  let nb = 0
  for (let index = 0; index < a.length; index++) {
    const x = a[index]!
    const y = b[index]!
    dot += x * y
    na += x * x
    nb += y * y
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

/**
 * A win-rate router over an embedder: fails with `RouterError` (`InvalidWeights`) when the
 * embedder's dimension differs from the model's, else embeds each prompt and scores it with
 * `winRate`.
 *
 * @since 0.1.0
 */
export const embeddingRouter = (options: {
  readonly name: string
  readonly embedder: EmbedderShape
  readonly dimension: number
  readonly winRate: (embedding: Float32Array, prompt: string) => number
}): Effect.Effect<WinRateRouter, RouterError> => {
  const { dimension, embedder, name } = options
  if (embedder.dimension !== dimension) {
    return Effect.fail(
      new RouterError({
        router: name,
        reason: "InvalidWeights",
        message: `${name} model expects ${dimension}-d embeddings but embedder ${embedder.name} gives ${embedder.dimension}-d`
      })
    )
  }
  return Effect.succeed({
    name,
    winRate: (prompt: string) =>
      Effect.map(embedPrompt(name, embedder, prompt), (embedding) => options.winRate(embedding, prompt))
  })
}

/**
 * Small pieces shared by the embedding-based routers: embedding a prompt with errors mapped to
 * `RouterError`, the logistic function, and cosine similarity.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { EmbedderShape } from "../embeddings/Embedder.ts"
import { RouterError } from "./WinRateRouter.ts"

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

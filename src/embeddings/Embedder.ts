/**
 * The `Embedder` service: text in, a fixed-size vector out.
 *
 * Every router that needs a notion of "what this prompt is about" (semantic routing, kNN, matrix
 * factorisation, classifiers) depends on this one interface, so that the encoder behind it (a hashing
 * trick, a static distilled table, USE-lite, OpenAI, a local ONNX model) is a layer choice.
 *
 * @since 0.1.0
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"

/**
 * Failure to embed a text: the encoder could not load, or the input cannot be encoded.
 *
 * @since 0.1.0
 */
export class EmbeddingError extends Data.TaggedError("EmbeddingError")<{
  readonly reason: "LoadFailed" | "InvalidInput" | "Unavailable" | "CorruptWeights"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * What an embedder can do.
 *
 * @since 0.1.0
 */
export interface EmbedderShape {
  /** A stable name for manifests and traces, e.g. `hashing-256` or `use-lite`. */
  readonly name: string
  /** Length of every vector this embedder returns. */
  readonly dimension: number
  /** Embeds one text. Vectors are L2-normalised unless the layer documents otherwise. */
  readonly embed: (text: string) => Effect.Effect<Float32Array, EmbeddingError>
  /** Embeds many texts; layers batch where the encoder allows it. */
  readonly embedMany: (
    texts: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<Float32Array>, EmbeddingError>
}

/**
 * The embedder service tag.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embedder } from "effect-llm-router"
 *
 * const vector = Effect.flatMap(Embedder, (embedder) => embedder.embed("hello"))
 *
 * @since 0.1.0
 */
export class Embedder extends Context.Tag("effect-llm-router/Embedder")<Embedder, EmbedderShape>() {}

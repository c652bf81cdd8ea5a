/**
 * A static embedder (the model2vec recipe): every token of a SentencePiece vocabulary has a fixed
 * vector distilled once from a sentence encoder (USE-lite), and a text is the weighted mean of its
 * tokens' vectors, L2-normalised. No neural network runs at request time: about a millisecond a
 * prompt.
 *
 * Weights: a manifest (`router: "static-embedder"`) with tensors `tokens` [vocabulary, dimension]
 * and `tokenWeights` [vocabulary], plus the vocabulary as JSON (`extra.vocabulary`). Distil them
 * with `npx tsx scripts/distill-static.ts`.
 *
 * @since 0.1.0
 */
import { Effect, Either, Layer, Schema } from "effect"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as Weights from "../routers/Weights.ts"
import { Embedder, EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"
import * as SentencePieceTokenizer from "./SentencePieceTokenizer.ts"

/** Name of the shipped static embedder. @since 0.1.0 */
export const NAME = "static"

/**
 * Path of the shipped static embedder's manifest.
 *
 * @since 0.1.0
 */
export const shippedManifestPath: string = join(Weights.shippedWeightsDir, "static-use-lite.json")

/**
 * The in-memory parameters of a static embedder.
 *
 * @since 0.1.0
 */
export interface StaticModel {
  readonly name: string
  readonly dimension: number
  readonly tokenizer: SentencePieceTokenizer.SentencePieceTokenizer
  /** vocabulary × dimension, row-major. */
  readonly tokens: Float32Array
  readonly tokenWeights: Float32Array
  /** Added to the weighted mean before normalising (from the corpus-tuning step), if any. */
  readonly bias?: Float32Array
}

/**
 * The weighted mean of a text's token vectors, before bias and normalisation (zero for a text with
 * no known token).
 *
 * @since 0.1.0
 */
export const weightedMean = (model: StaticModel, text: string): Float32Array => {
  const { dimension, tokens, tokenWeights } = model
  const out = new Float32Array(dimension)
  let total = 0
  for (const id of model.tokenizer.encode(text)) {
    const weight = tokenWeights[id] ?? 0
    if (weight === 0) continue
    total += weight
    const offset = id * dimension
    for (let index = 0; index < dimension; index++) out[index]! += weight * tokens[offset + index]!
  }
  if (total > 0) for (let index = 0; index < dimension; index++) out[index]! /= total
  return out
}

/**
 * Embeds a text with a static model (pure, synchronous).
 *
 * @since 0.1.0
 */
export const embedText = (model: StaticModel, text: string): Float32Array => {
  const out = weightedMean(model, text)
  const { bias, dimension } = model
  if (bias !== undefined) for (let index = 0; index < dimension; index++) out[index]! += bias[index]!
  let norm = 0
  for (let index = 0; index < dimension; index++) norm += out[index]! * out[index]!
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm)
    for (let index = 0; index < dimension; index++) out[index]! *= scale
  }
  return out
}

/**
 * Wraps a static model as an `EmbedderShape`.
 *
 * @since 0.1.0
 */
export const fromModel = (model: StaticModel): EmbedderShape => ({
  name: model.name,
  dimension: model.dimension,
  embed: (text) => Effect.sync(() => embedText(model, text)),
  embedMany: (texts) => Effect.sync(() => texts.map((text) => embedText(model, text)))
})

// USE-lite's vocabulary has a few user-defined symbols whose score is null: SentencePiece treats them as 0.
const Vocabulary = Schema.Array(Schema.Tuple(Schema.String, Schema.NullOr(Schema.Number)))

const corrupt = (path: string, message: string, cause?: unknown) =>
  new EmbeddingError({ reason: "CorruptWeights", message: `static embedder ${path}: ${message}`, cause })

/**
 * Loads a static model from its manifest (default: the shipped one).
 *
 * @since 0.1.0
 */
export const load = Effect.fn("StaticEmbedder.load")(function* (manifestPath: string = shippedManifestPath) {
  const weights = yield* Effect.mapError(Weights.loadWeights(manifestPath), (error) =>
    error.reason === "Missing"
      ? new EmbeddingError({
          reason: "LoadFailed",
          message: `static embedder: ${error.message}`,
          cause: error
        })
      : corrupt(manifestPath, error.message, error)
  )
  if (weights.manifest.router !== "static-embedder") {
    return yield* corrupt(manifestPath, `manifest is for "${weights.manifest.router}", not "static-embedder"`)
  }
  const vocabularyFile = weights.manifest.extra?.["vocabulary"]
  if (typeof vocabularyFile !== "string")
    return yield* corrupt(manifestPath, "manifest has no extra.vocabulary file name")
  const vocabularyPath = join(dirname(manifestPath), vocabularyFile)
  const vocabulary = yield* Effect.try({
    try: () => readFileSync(vocabularyPath, "utf8"),
    catch: (cause) =>
      new EmbeddingError({
        reason: "LoadFailed",
        message: `static embedder: cannot read vocabulary ${vocabularyPath}`,
        cause
      })
  }).pipe(
    Effect.flatMap((text) => {
      const decoded = Schema.decodeUnknownEither(Schema.parseJson(Vocabulary))(text)
      return Either.isLeft(decoded)
        ? Effect.fail(corrupt(vocabularyPath, decoded.left.message, decoded.left))
        : Effect.succeed(decoded.right)
    })
  )
  const shape = weights.tensors.get("tokens")?.shape ?? []
  const dimension = shape[1] ?? 0
  const tokens = yield* Effect.mapError(Weights.tensor(weights, "tokens", [vocabulary.length, -1]), (error) =>
    corrupt(manifestPath, error.message, error)
  )
  const tokenWeights = yield* Effect.mapError(
    Weights.tensor(weights, "tokenWeights", [vocabulary.length]),
    (error) => corrupt(manifestPath, error.message, error)
  )
  const reserved = weights.manifest.extra?.["reservedTokens"]
  const bias = weights.tensors.has("bias")
    ? yield* Effect.mapError(Weights.tensor(weights, "bias", [dimension]), (error) =>
        corrupt(manifestPath, error.message, error)
      )
    : undefined
  return {
    ...(bias === undefined ? {} : { bias }),
    name: typeof weights.manifest.embedder === "string" ? weights.manifest.embedder : NAME,
    dimension,
    tokenizer: SentencePieceTokenizer.make(
      vocabulary.map(([piece, score]) => [piece, score ?? 0] as const),
      typeof reserved === "number" ? reserved : 6
    ),
    tokens,
    tokenWeights
  } satisfies StaticModel
})

/**
 * Builds the static embedder from a manifest (default: the shipped `weights/static-use-lite.json`).
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings } from "effect-llm-router"
 * const { StaticEmbedder } = Embeddings
 *
 * const vector = Effect.flatMap(StaticEmbedder.make(), (embedder) => embedder.embed("hello"))
 *
 * @since 0.1.0
 */
export const make = (manifestPath?: string): Effect.Effect<EmbedderShape, EmbeddingError> =>
  Effect.map(load(manifestPath), fromModel)

/**
 * The `Embedder` service backed by the static embedder.
 *
 * @since 0.1.0
 */
export const layer = (manifestPath?: string): Layer.Layer<Embedder, EmbeddingError> =>
  Layer.effect(Embedder, make(manifestPath))

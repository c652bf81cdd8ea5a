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
import { Effect, Either, Layer, Option } from "effect"
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
  /**
   * vocabulary × dimension, row-major: float32 values, or float16 bits (the shipped weights), which
   * `weightedMean` decodes one row per token so that loading does not decode 4 M values.
   */
  readonly tokens: Float32Array | Uint16Array
  readonly tokenWeights: Float32Array
  /** Added to the weighted mean before normalising (from the corpus-tuning step), if any. */
  readonly bias?: Float32Array
}

/** Per-model buffers reused by every call (JavaScript runs one call at a time). */
interface Scratch {
  /** Rows decoded from float16 so far (float16 models only; filled on first use of each token). */
  readonly rows: Float32Array | undefined
  readonly decoded: Uint8Array
  /** Summed weight of each token in the current text, and which tokens it touched. */
  readonly weightOf: Float64Array
  readonly touched: Int32Array
  readonly sum: Float64Array
}

const scratches = new WeakMap<StaticModel, Scratch>()

const scratchOf = (model: StaticModel): Scratch => {
  let scratch = scratches.get(model)
  if (scratch === undefined) {
    const vocabulary = model.tokenWeights.length
    scratch = {
      rows: model.tokens instanceof Uint16Array ? new Float32Array(model.tokens.length) : undefined,
      decoded: new Uint8Array(vocabulary),
      weightOf: new Float64Array(vocabulary),
      touched: new Int32Array(vocabulary),
      sum: new Float64Array(model.dimension)
    }
    scratches.set(model, scratch)
  }
  return scratch
}

/**
 * The weighted mean of a text's token vectors, before bias and normalisation (zero for a text with
 * no known token).
 *
 * Each distinct token's row is added once with its summed weight (long prompts repeat tokens a
 * lot), in double precision; a float16 table is decoded row by row on first use and kept, so start-up
 * decodes nothing and steady state reads plain floats.
 *
 * @since 0.1.0
 */
export const weightedMean = (model: StaticModel, text: string): Float32Array => {
  const { dimension, tokens, tokenWeights } = model
  const { decoded, rows, sum, touched, weightOf } = scratchOf(model)
  let distinct = 0
  let total = 0
  const ids = model.tokenizer.encodeShared(text)
  for (let position = 0; position < ids.length; position++) {
    const id = ids[position]!
    const weight = tokenWeights[id] ?? 0
    if (weight === 0) continue
    if (weightOf[id] === 0) touched[distinct++] = id
    weightOf[id]! += weight
    total += weight
  }
  sum.fill(0)
  const half = rows === undefined ? undefined : Weights.halfToFloatTable()
  for (let entry = 0; entry < distinct; entry++) {
    const id = touched[entry]!
    const weight = weightOf[id]!
    weightOf[id] = 0
    const offset = id * dimension
    if (rows === undefined || half === undefined) {
      for (let index = 0; index < dimension; index++) sum[index]! += weight * tokens[offset + index]!
    } else {
      if (decoded[id] === 0) {
        for (let index = 0; index < dimension; index++) rows[offset + index] = half[tokens[offset + index]!]!
        decoded[id] = 1
      }
      for (let index = 0; index < dimension; index++) sum[index]! += weight * rows[offset + index]!
    }
  }
  const out = new Float32Array(dimension)
  if (total > 0) for (let index = 0; index < dimension; index++) out[index] = sum[index]! / total
  return out
}

/**
 * The token vectors as float32 values (decoding float16 bits if the model holds them).
 *
 * @since 0.1.0
 */
export const tokenVectors = (model: StaticModel): Float32Array =>
  model.tokens instanceof Uint16Array ? Weights.decodeHalfBits(model.tokens) : model.tokens

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

// The vocabulary file: a JSON array of [piece, score] pairs. USE-lite's vocabulary has a few
// user-defined symbols whose score is null: SentencePiece treats them as 0. Checked with a plain loop
// rather than a Schema: decoding 8,000 tuples through Schema costs a cold start 25 ms or more.
const decodeVocabulary = (text: string): Either.Either<ReadonlyArray<readonly [string, number]>, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!Array.isArray(parsed)) return Either.left("expected a JSON array of [piece, score] pairs")
  const pieces: Array<readonly [string, number]> = []
  for (let index = 0; index < parsed.length; index++) {
    const entry: unknown = parsed[index]
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== "string" ||
      !(entry[1] === null || (typeof entry[1] === "number" && Number.isFinite(entry[1])))
    ) {
      return Either.left(
        `[${index}]: expected [piece: string, score: number | null], got ${JSON.stringify(entry)}`
      )
    }
    pieces.push([entry[0], entry[1] ?? 0])
  }
  return Either.right(pieces)
}

const corrupt = (path: string, message: string, cause?: unknown) =>
  new EmbeddingError({ reason: "CorruptWeights", message: `static embedder ${path}: ${message}`, cause })

/**
 * Loads a static model from its manifest (default: the shipped one).
 *
 * @since 0.1.0
 */
export const load = Effect.fn("StaticEmbedder.load")(function* (manifestPath: string = shippedManifestPath) {
  const weights = yield* Effect.mapError(
    Weights.loadWeights(manifestPath, { keepFloat16: ["tokens"] }),
    (error) =>
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
      const decoded = decodeVocabulary(text)
      return Either.isLeft(decoded)
        ? Effect.fail(corrupt(vocabularyPath, decoded.left))
        : Effect.succeed(decoded.right)
    })
  )
  const shape = (weights.halfTensors.get("tokens") ?? weights.tensors.get("tokens"))?.shape ?? []
  const dimension = shape[1] ?? 0
  const tokens: Float32Array | Uint16Array = yield* Effect.mapError(
    Effect.flatMap(
      Weights.halfTensor(weights, "tokens", [vocabulary.length, -1]),
      (bits): Effect.Effect<Float32Array | Uint16Array, Weights.WeightsError> =>
        Option.isSome(bits)
          ? Effect.succeed(bits.value)
          : Weights.tensor(weights, "tokens", [vocabulary.length, -1])
    ),
    (error) => corrupt(manifestPath, error.message, error)
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
    tokenizer: SentencePieceTokenizer.make(vocabulary, typeof reserved === "number" ? reserved : 6),
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

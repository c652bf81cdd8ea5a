/**
 * A local sentence-transformers model (an ONNX export in a model folder: `config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`) run by `@huggingface/transformers`
 * on `onnxruntime-node`. Remote models are off: nothing is downloaded; a missing folder is an error.
 * Vectors are the attention-masked mean of the last hidden states, L2-normalised.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import { existsSync } from "node:fs"
import { basename, dirname, resolve } from "node:path"
import { Embedder, EmbeddingError } from "./Embedder.ts"
import type { EmbedderShape } from "./Embedder.ts"

/**
 * Settings of the transformers embedder.
 *
 * @since 0.1.0
 */
export interface TransformersEmbedderOptions {
  /** Path of the model folder. */
  readonly modelPath: string
  /** ONNX weights variant: `fp32` (onnx/model.onnx, default), `q8` (onnx/model_quantized.onnx), ... */
  readonly dtype?: "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4"
  /** Texts per batch. Default 16. */
  readonly batchSize?: number
}

const BATCH = 16

/**
 * Loads the model folder and builds the embedder. The dimension is read from the model's output.
 *
 * @example
 * import { Effect } from "effect"
 * import { Embeddings } from "effect-llm-router"
 * const { TransformersEmbedder } = Embeddings
 *
 * const embedder = TransformersEmbedder.make({ modelPath: "./models/all-MiniLM-L6-v2" })
 *
 * @since 0.1.0
 */
export const make = Effect.fn("TransformersEmbedder.make")(function* (options: TransformersEmbedderOptions) {
  // Called from JavaScript, the option may be missing or of another type.
  const modelPath: unknown = options.modelPath
  if (typeof modelPath !== "string" || modelPath.trim() === "") {
    return yield* new EmbeddingError({
      reason: "LoadFailed",
      message:
        "transformers embedder: modelPath must be the path of a local sentence-transformers ONNX folder"
    })
  }
  const folder = resolve(modelPath)
  if (!existsSync(folder)) {
    return yield* new EmbeddingError({
      reason: "LoadFailed",
      message: `transformers model folder not found: ${folder}`
    })
  }
  const transformers = yield* Effect.tryPromise({
    try: () => import("@huggingface/transformers"),
    catch: (cause) =>
      new EmbeddingError({ reason: "LoadFailed", message: "cannot load @huggingface/transformers", cause })
  })
  transformers.env.allowRemoteModels = false
  transformers.env.allowLocalModels = true
  transformers.env.localModelPath = dirname(folder) + "/"
  const modelId = basename(folder)
  const extractor = yield* Effect.tryPromise({
    try: () =>
      transformers.pipeline("feature-extraction", modelId, {
        dtype: options.dtype ?? "fp32",
        local_files_only: true
      }),
    catch: (cause) =>
      new EmbeddingError({
        reason: "LoadFailed",
        message: `cannot load the model in ${folder}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })
  const run = (texts: ReadonlyArray<string>) =>
    Effect.tryPromise({
      try: async () => {
        const output = await extractor([...texts], { pooling: "mean", normalize: true })
        const [rows, width] = output.dims as [number, number]
        const data = output.data as Float32Array
        return Array.from({ length: rows }, (_, row) => data.slice(row * width, (row + 1) * width))
      },
      catch: (cause) =>
        new EmbeddingError({
          reason: "Unavailable",
          message: `transformers model ${modelId} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    })
  const probe = yield* run(["dimension probe"])
  const dimension = probe[0]?.length ?? 0
  const batchSize = options.batchSize ?? BATCH
  const embedMany = (texts: ReadonlyArray<string>) =>
    Effect.map(
      Effect.forEach(
        Array.from({ length: Math.ceil(texts.length / batchSize) }, (_, index) =>
          texts.slice(index * batchSize, (index + 1) * batchSize)
        ),
        run
      ),
      (chunks) => chunks.flat()
    )
  const embedder: EmbedderShape = {
    name: `transformers:${modelId}`,
    dimension,
    embed: (text) => Effect.map(run([text]), (vectors) => vectors[0]!),
    embedMany
  }
  return embedder
})

/**
 * The `Embedder` service backed by a local transformers model folder.
 *
 * @since 0.1.0
 */
export const layer = (options: TransformersEmbedderOptions): Layer.Layer<Embedder, EmbeddingError> =>
  Layer.effect(Embedder, make(options))
